// Benchmark (npm run bench:analysis): the offline analysis of 100,000 Services and 10,000 pools
// against the time to parse the same dump (issue 11), with peak memory. Prints figures only.
// ANALYSIS_BENCH_SCALE=0.1 runs a tenth of the size.
import { analysisAgainstParse, mib } from './analysis-vs-parse.js';

const SCALE = Number(process.env['ANALYSIS_BENCH_SCALE'] ?? '1');
const shape = {
  services: Math.round(100_000 * SCALE),
  pools: Math.round(10_000 * SCALE),
  advertisements: Math.round(1_000 * SCALE),
};

console.log(`node ${process.version}`);
analysisAgainstParse(shape, 5);
console.log(
  `process high-water RSS (generation, dump text, parse and analysis): ${mib(process.resourceUsage().maxRSS * 1024)}`,
);
