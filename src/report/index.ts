export { renderReport, renderReportModel, type RenderReportOptions } from './html.js';
export { buildReportModel, humanDuration, type ReportModel, type ReportStep, type ReportLane } from './model.js';
export { renderGantt, tickStep } from './gantt.js';
export { esc } from './escape.js';
export { ReportCode } from './codes.js';
