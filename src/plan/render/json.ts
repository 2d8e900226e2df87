/** The machine rendering: the Plan object itself (format_version first), pretty-printed. */
import type { Plan } from '../types.js';

export function renderJson(plan: Plan): string {
  const { format_version, ...rest } = plan;
  return `${JSON.stringify({ format_version, ...rest }, null, 2)}\n`;
}
