Vigil.init({ dsn: '{{DSN}}', release: 'e2e-csp', transport: { flushInterval: 300 } });
Vigil.track('csp-ok');
setTimeout(function () { throw new Error('error under CSP'); }, 50);
