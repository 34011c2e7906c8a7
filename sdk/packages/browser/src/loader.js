// The async loader snippet (see sdk/README.md). Paste it, minified (dist/loader.min.js), into a
// <script> in <head> and replace SDK_URL and the options. It queues API calls and errors until the
// real SDK (dist/vigil.min.js) has loaded, which then replays them.
(function (w, d, src, options) {
  var q = [];
  var V = (w.Vigil = w.Vigil || { q: q });
  q = V.q = V.q || q;
  var methods = ['init', 'captureException', 'captureMessage', 'track', 'setUser', 'setTag', 'setTags', 'addBreadcrumb'];
  for (var i = 0; i < methods.length; i++) {
    (function (m) {
      V[m] = V[m] || function () { q.push([m, [].slice.call(arguments)]); };
    })(methods[i]);
  }
  // Errors that happen before the SDK is there are replayed as captured exceptions.
  function onError(e) { if (!w.Vigil.q) return; var err = e.error || e.reason; if (err) q.push(['captureException', [err]]); }
  w.addEventListener('error', onError);
  w.addEventListener('unhandledrejection', onError);
  V.init(options);
  var s = d.createElement('script');
  s.async = true;
  s.crossOrigin = 'anonymous';
  s.src = src;
  s.onload = function () {
    w.removeEventListener('error', onError);
    w.removeEventListener('unhandledrejection', onError);
  };
  (d.head || d.documentElement).appendChild(s);
})(window, document, 'SDK_URL', { dsn: 'DSN' });
