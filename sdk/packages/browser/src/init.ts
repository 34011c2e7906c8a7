/** `init` with the default integrations. */
import { clockIntegration, type Client, type Integration } from '@vigil/core';
import { behaviourIntegration } from './integrations/behaviour';
import { errorsIntegration, httpErrorsIntegration } from './integrations/errors';
import { httpIntegration } from './integrations/http';
import { identityIntegration } from './integrations/identity';
import { vitalsIntegration } from './integrations/vitals';
import { initWithoutDefaults, type BrowserOptions } from './sdk';

/** The integrations `init` installs unless told otherwise, in set-up order. */
export function getDefaultIntegrations(): Integration[] {
  return [identityIntegration(), clockIntegration(), errorsIntegration(), httpErrorsIntegration(), httpIntegration(), behaviourIntegration(), vitalsIntegration()];
}

/**
 * Starts the SDK. `integrations` replaces the defaults when it is an array, or maps them when it is
 * a function: `init({dsn, integrations: (d) => [...d, errorsIntegration({console: true})]})`
 * (an integration given twice by name keeps the first; put replacements first or filter `d`).
 */
export function init(options: BrowserOptions = {}): Client | undefined {
  const defaults = getDefaultIntegrations();
  const i = options.integrations;
  const list = typeof i === 'function' ? i(defaults) : i || defaults;
  return initWithoutDefaults({ ...options, integrations: list });
}
