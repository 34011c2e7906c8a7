export { addHttpHandler, ignoreUrl, isIgnoredUrl, nativeFetch, type HttpHandler, type HttpRecord } from './http';
export { addRouteHandler, type RouteHandler } from './history';
export { clickTarget, selectorPath, shortText } from './dom';
export { activationStart, navigationEntry, navigationType, observe, onHidden, whenActivated } from './observe';
export { addConsoleHandler, type ConsoleHandler } from './console';
