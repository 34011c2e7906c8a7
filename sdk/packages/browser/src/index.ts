export { init, getDefaultIntegrations } from './init';
export {
  initWithoutDefaults,
  getClient,
  captureException,
  captureMessage,
  track,
  setUser,
  setTag,
  setTags,
  addBreadcrumb,
  flush,
  close,
  type BrowserOptions,
} from './sdk';
export { errorsIntegration, httpErrorsIntegration, consoleErrorsIntegration, type ErrorsOptions, type HttpErrorsOptions } from './integrations/errors';
export { httpIntegration, type HttpOptions } from './integrations/http';
export { behaviourIntegration, type BehaviourOptions } from './integrations/behaviour';
export { identityIntegration, loadUid, type IdentityOptions } from './integrations/identity';
export { vitalsIntegration, rate, THRESHOLDS, type VitalsOptions } from './integrations/vitals';
export { offlineIntegration } from './integrations/offline';
export { makeBrowserSend, localStorageStore, KEEPALIVE_BUDGET } from './transport';
export { clockIntegration, Client, SDK_VERSION } from '@vigil/core';
export type { Breadcrumb, EventHint, Integration, Level, Options, User, VigilEvent, TransportOptions } from '@vigil/core';
