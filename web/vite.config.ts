import { defineConfig } from 'vite';

// The dashboard: built into web/dist (gitignored), served by the API process at `/`.
// Everything is bundled; nothing is loaded from another origin at run time.
export default defineConfig({
  root: __dirname,
  base: '/',
  build: {
    outDir: 'dist',
    emptyOutDir: true,
    assetsDir: 'assets',
    target: 'es2022',
    sourcemap: false,
    // Inline nothing as data: URLs into JS/CSS; files are cached immutably by hash.
    assetsInlineLimit: 0,
  },
  server: { proxy: { '/v1': 'http://127.0.0.1:8080' } },
});
