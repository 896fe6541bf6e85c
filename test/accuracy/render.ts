// Remakes accuracy.md from accuracy.json: node --import tsx test/accuracy/render.ts [benchmarks/results/accuracy.json]
import path from 'node:path';

import { packageRoot } from './corpus.js';
import { writeMarkdown } from './report.js';

await writeMarkdown(process.argv[2] ?? path.join(packageRoot, 'benchmarks', 'results', 'accuracy.json'));
