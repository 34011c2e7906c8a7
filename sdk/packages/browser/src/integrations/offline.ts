/**
 * offlineIntegration (opt-in): events that could not be sent — network down, server failing, or the
 * page unloading while rate limited — are kept in localStorage and sent on the next page load or
 * when the browser comes back online. Retries back off exponentially (1 s, 2 s, … 5 min); event ids
 * make a re-sent event count once on the server.
 */
import type { Integration } from '@vigil/core';
import { localStorageStore } from '../transport';

export function offlineIntegration(): Integration {
  return {
    name: 'offline',
    setup(client) {
      if (client.transport) client.transport.setStore(localStorageStore);
    },
  };
}
