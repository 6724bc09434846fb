// Every test file of the emulator and the tools runs in the tier BRAMBLE_TIER names (node/tier.ts).
import { tierFromEnvironment } from '../node/tier';

tierFromEnvironment();
