// The demo shop every example serves: its products and its HTML, the same for every framework,
// so an example file only shows how its framework is wired to Pirsch.

export const PRODUCTS = [
  { id: '1', name: 'Espresso beans', price: '12.90' },
  { id: '2', name: 'Pour-over kettle', price: '39.00' },
  { id: '3', name: 'Ceramic mug', price: '9.50' },
];

/** The signup form; its POST sends a `Signup` event with the chosen plan. */
export const SIGNUP_FORM = `<form method="post" action="/signup">
<label>Email <input type="email" name="email" required></label>
<label>Plan <select name="plan"><option value="free">Free</option><option value="pro">Pro</option></select></label>
<button type="submit">Sign up</button>
</form>`;

/** HTML-escapes text. */
export const escape = (text) =>
  String(text).replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c]);

/** A whole page: the shop's layout around `body` (HTML), titled `title` (text). */
export function page(title, body) {
  return `<!doctype html>
<html lang="en">
<head><meta charset="utf-8"><title>${escape(title)} · Shop</title><link rel="stylesheet" href="/assets/style.css"></head>
<body>
<nav><a href="/">Home</a><a href="/products">Products</a><a href="/signup">Sign up</a><a href="/about">About</a></nav>
<h1>${escape(title)}</h1>
${body}
</body>
</html>`;
}
