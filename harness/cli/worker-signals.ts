/**
 * Loaded into each Vitest worker of `meshspec run` (`--import` in its execArgv). A terminal's
 * Ctrl-C signals the whole process group, workers included, and a worker without a listener
 * would die at once, skipping each scenario's afterAll (the namespace deletion). The main
 * process cancels the run on that first Ctrl-C, so the worker lives on until Vitest closes it;
 * a second Ctrl-C ends it, as it ends the main process.
 */
process.once('SIGINT', () => process.once('SIGINT', () => process.exit(130)));
