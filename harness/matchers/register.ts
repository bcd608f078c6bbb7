/** Side-effect entry: importing this module registers meshspec's matchers with Vitest's expect. */
import { installMatchers } from './index.js';

installMatchers();
