/** cnn.v1.Architectures: a spec's layer table and totals; the zoo. */
import { listZooModels, summarizeArchitecture } from '../../../service/architectures.js';
import type { CallKit } from '../calls.js';
import { summaryMessage, zooMessage } from '../convert.js';
import type { ArchitecturesHandlers } from '../generated/cnn/v1/Architectures.js';
import { parseJsonField } from '../fields.js';

export function architecturesService(kit: CallKit): ArchitecturesHandlers {
  const { ctx } = kit;
  return {
    SummarizeArchitecture: kit.unary('SummarizeArchitecture', async (req) =>
      summaryMessage(summarizeArchitecture(ctx, parseJsonField(req.specJson, 'spec_json', 'SPEC_INVALID'))),
    ),
    ListZooModels: kit.unary('ListZooModels', async () => ({ items: listZooModels().map(zooMessage) })),
  };
}
