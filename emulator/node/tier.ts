// Which of the emulator's two tiers a Node process uses: BRAMBLE_TIER=compiled (the default:
// hot code is compiled to JavaScript) or BRAMBLE_TIER=interpreted (closures only). The tiers
// give the same results, so the whole test suite can run in either
// (`BRAMBLE_TIER=interpreted npm test`), and `npm run bench` can time either.
// BRAMBLE_COMPILE_AFTER=N sets how often a straight run is interpreted before it is compiled
// (Machine's compileAfter; 0 compiles everything at once), for measuring thresholds.
import { Machine } from '../src/index';

export const TIERS = ['compiled', 'interpreted'] as const;

/** Set Machine.compileByDefault from the environment; a wrong value is a one-line error. */
export function tierFromEnvironment(env: NodeJS.ProcessEnv = process.env): (typeof TIERS)[number] {
  const tier = env.BRAMBLE_TIER ?? 'compiled';
  if (tier !== 'compiled' && tier !== 'interpreted') {
    throw new Error(`BRAMBLE_TIER must be 'compiled' or 'interpreted', not '${tier}'`);
  }
  Machine.compileByDefault = tier === 'compiled';
  const after = env.BRAMBLE_COMPILE_AFTER;
  if (after !== undefined) {
    if (!/^\d+$/.test(after)) throw new Error(`BRAMBLE_COMPILE_AFTER must be a whole number of entries, not '${after}'`);
    Machine.compileAfterByDefault = Number(after);
  }
  return tier;
}
