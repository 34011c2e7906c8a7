// Applies the saved theme before the first paint (an external file: the server's CSP allows no inline script).
try {
  var t = localStorage.getItem('vigil.theme');
  if (t !== 'light' && t !== 'dark') t = matchMedia('(prefers-color-scheme: dark)').matches ? 'dark' : 'light';
  document.documentElement.dataset.theme = t;
} catch (e) {}
