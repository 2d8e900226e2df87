/** The plan stage: diff → actions → step DAG; renderings; plan files. */
export { buildPlan, arrayVolumeName, DEFAULT_MAX_AGE_MINUTES, DEFAULT_RPO_GATE_FACTOR, type BuildPlanOptions } from './build.js';
export { topoOrder, waves, PlanGraphError } from './dag.js';
export { PlanCode, PLAN_CODE_TABLE } from './codes.js';
export { factsOf, digestFacts, diffFacts, canonicalJson } from './facts.js';
export { readPlanFile, serializePlan, checkBindings, stalePlanError, type CurrentWorld } from './planfile.js';
export { renderText, summaryLine } from './render/text.js';
export { renderJson } from './render/json.js';
export { renderMarkdown, MARKDOWN_MAX_CHARS } from './render/markdown.js';
export { symbolOf, LEGEND } from './render/symbols.js';
export * from './types.js';
