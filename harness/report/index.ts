/** Reports: how diagnostics read, the HTML report (a Vitest reporter), and checks of where reports are written. */
export { checkReportDestinations, reportDestinations, ReportDestinationError } from './destination.js';
export { HtmlReporter } from './html.js';
