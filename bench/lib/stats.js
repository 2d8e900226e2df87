/**
 * Reading the mock server's request statistics (DRCTL_MOCK_STATS, see src/mock/server.ts MockStats).
 *
 * "Result pages" (the denominator of the request budget) = for every list API a client called, the
 * pages its items would fill at the page size the client asked for: max(1, ceil(items / limit)), or 1
 * page when no limit was asked. Listing one collection in bulk costs exactly its result pages;
 * asking the same API once per group costs one request per group but adds no result pages, so a
 * per-group pattern shows up as requests ≫ pages. "Pages served" = collection responses returned.
 */
export function summarizeStats(stats) {
  const perSite = {};
  let requests = 0;
  let resultPages = 0;
  let pagesServed = 0;
  const perApi = {};
  for (const [site, apis] of Object.entries(stats.sites)) {
    const s = (perSite[site] = {});
    for (const [api, a] of Object.entries(apis)) {
      const service = api === '-' ? 'other' : api.split('.')[0];
      const x = (s[service] ??= { requests: 0, resultPages: 0, pagesServed: 0 });
      const pages = a.pages > 0 ? Math.max(1, a.maxLimit > 0 ? Math.ceil(a.items / a.maxLimit) : 1) : 0;
      x.requests += a.requests;
      x.resultPages += pages;
      x.pagesServed += a.pages;
      requests += a.requests;
      resultPages += pages;
      pagesServed += a.pages;
      const k = `${site} ${api}`;
      perApi[k] = { requests: a.requests, items: a.items, resultPages: pages };
    }
  }
  // The mock's busy time: its handlers (synchronous, on the event loop it shares with drctl) and its
  // world file writes (one after another). Requests' waits for writes overlap, so they are reported
  // apart (commitWaitMs, summed over requests) and not counted as busy time.
  const worldWriteMs = stats.worldWriteMs ?? 0;
  const mockMs = stats.handlerMs + worldWriteMs + stats.refreshMs;
  return {
    perSite,
    requests,
    resultPages,
    pagesServed,
    perApi,
    mockMs,
    handlerMs: stats.handlerMs,
    worldWrites: stats.worldWrites ?? 0,
    worldAppends: stats.worldAppends ?? null,
    worldSnapshots: stats.worldSnapshots ?? null,
    processCpuMs: stats.processCpuMs ?? null,
    worldWriteMs,
    commitWaitMs: stats.commitMs,
    refreshMs: stats.refreshMs,
    latencyMs: stats.latencyMs,
    uptimeMs: stats.uptimeMs,
  };
}

/** "site-a nova 12/6 · ..." for the human summary. */
export function requestLine(perSite) {
  return Object.entries(perSite)
    .map(([site, svcs]) => `${site}: ${Object.entries(svcs).map(([svc, x]) => `${svc} ${x.requests}/${x.resultPages}p`).join(' ')}`)
    .join(' | ');
}
