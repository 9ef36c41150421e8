import { html, render } from 'htm/preact';
import { App } from './app.js';
import './style.css';

const root = document.getElementById('app')!;
root.textContent = '';
// Anything that escapes the views still ends as a message on the page, not a blank screen.
function fatal(message: string): void {
  if (document.querySelector('[data-testid="fatal"]')) return;
  const box = document.createElement('div');
  box.className = 'problem';
  box.setAttribute('role', 'alert');
  box.dataset.testid = 'fatal';
  box.textContent = `The dashboard hit an unexpected error: ${message}. Reload the page; if it persists, report it with the file you opened.`;
  document.body.prepend(box);
}
addEventListener('error', (e) => fatal(e.message));
addEventListener('unhandledrejection', (e) => fatal(String(e.reason)));
render(html`<${App} />`, root);
