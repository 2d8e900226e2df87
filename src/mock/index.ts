/** The mock's public surface for the rest of drctl (CLI, --mock wiring, benchmarks, tests). */
export { startMockServer, siteAccess, type MockServerHandle, type MockSiteAccess, type MockCloudConfig, type MockServerOptions } from './server.js';
export { MockWorld } from './world.js';
export { initWorld, populate, emptyWorldData, CONSISTENCY_GROUP_TYPE, MOCK_KEYPAIR } from './init.js';
export { runRbd, createRbdRunner, createRbdCommandRunner, type RbdResult } from './ceph.js';
export { addFault, clearFaults, MOCK_APIS, FAULT_KINDS, describeFault, type FaultInput } from './faults.js';
export { summarize, renderSummary, type WorldSummary } from './show.js';
export { mockCloudsYaml } from './clouds.js';
export { parseDurationMs } from './http/time.js';
export { MockCode, MOCK_CODE_TABLE } from './codes.js';
export type { MockSettings } from './types.js';
