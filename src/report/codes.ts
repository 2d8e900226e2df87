/** DRCTL_E414x: `drctl report`. */
export const ReportCode = {
  /** The report file could not be written (directory missing, permissions, disk full). */
  writeFailed: 'DRCTL_E4140',
  /** --out is missing or names a directory. */
  badOut: 'DRCTL_E4141',
} as const;
