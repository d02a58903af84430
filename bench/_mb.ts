import { performance } from 'node:perf_hooks';
import sharp from 'sharp';
import { mapLimit } from '../src/data/pool.js';
import { fashionPngFiles } from '../test/helpers/fixtures.js';
const arch = await fashionPngFiles({ perClass: 200, testPerClass: 34 });
const pngs = arch.entries.map((e) => e.png);
const n = pngs.length;
async function time(name: string, fn: () => Promise<unknown>) { const c0 = process.cpuUsage(); const t = performance.now(); await fn(); const dt = performance.now() - t; const c = process.cpuUsage(c0); console.log(name.padEnd(28), (dt * 1000 / n).toFixed(0).padStart(5), 'us/img wall', ((c.user + c.system) / n).toFixed(0).padStart(5), 'us/img cpu', (c.user/n).toFixed(0), 'user'); }
const dec = (b: Buffer) => sharp(b, { failOn: 'error', autoOrient: true }).flatten({background:{r:0,g:0,b:0}}).toColourspace('b-w').raw({depth:'uchar'}).toBuffer({resolveWithObject:true});
for (const cache of [true, false]) {
  sharp.cache(cache);
  for (const conc of [2, 4]) {
    await time(`cache=${cache} metadata c${conc}`, () => mapLimit(pngs, conc, (b) => sharp(b, { limitInputPixels: false }).metadata()));
    await time(`cache=${cache} dec c${conc}`, () => mapLimit(pngs, conc, dec));
  }
}
sharp.cache(false);
await time(`sync construct only`, async () => { for (const b of pngs) sharp(b, { failOn: 'error', autoOrient: true }).flatten({background:{r:0,g:0,b:0}}).toColourspace('b-w').raw({depth:'uchar'}); });
