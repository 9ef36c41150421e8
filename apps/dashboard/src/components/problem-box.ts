import { html } from 'htm/preact';
import type { Problem } from '../data/problem.js';

/** The one way the page says something went wrong: a title, the detail, and what to do. */
export function ProblemBox({ problem }: { problem: Problem }) {
  return html`<div class="problem" role="alert" data-testid="problem" data-code=${problem.code ?? ''}>
    <strong class="problem-title">${problem.title}</strong>
    <p class="problem-detail">${problem.detail}</p>
    ${problem.hint ? html`<p class="problem-hint">${problem.hint}</p>` : null}
  </div>`;
}
