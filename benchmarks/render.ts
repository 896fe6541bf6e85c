// Remakes a run's Markdown table and chart from its JSON alone:
// node --import tsx benchmarks/render.ts benchmarks/results/bench-stt-short.json
import { drawChart, writeMarkdown } from './report.js';

for (const jsonFile of process.argv.slice(2)) {
  console.log(`render: ${writeMarkdown(jsonFile)}`);
  drawChart(jsonFile, jsonFile.replace(/\.json$/, '.png'));
}
