import assert from 'node:assert/strict';
import axe from 'axe-core';
import type { Page } from 'playwright-core';

// WCAG 2.2 A and AA success criteria, plus axe's best practices (landmarks, one h1, skip link).
const AXE_TAGS = ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa', 'wcag22aa', 'best-practice'];

/** One rule that axe found broken, with the elements that break it. */
export interface AccessibilityProblem {
  rule: string;
  summary: string;
  targets: string[];
}

export interface AxeFindings {
  violations: AccessibilityProblem[];
  /** Checks axe could not decide, e.g. a contrast over a background it cannot compute. */
  incomplete: AccessibilityProblem[];
}

/**
 * Runs axe-core on the page as it is now. The script goes in through the DevTools protocol
 * (page.evaluate), which the page's Content Security Policy does not govern, so the policy that
 * forbids every script on these pages stays in force.
 */
export async function runAxe(page: Page): Promise<AxeFindings> {
  await page.evaluate(axe.source);

  const results = await page.evaluate(async (tags) => {
    const injected = (window as unknown as { axe: typeof axe }).axe;
    return injected.run(document, { runOnly: { type: 'tag', values: tags } });
  }, AXE_TAGS);

  return {
    violations: results.violations.map(describeResult),
    incomplete: results.incomplete.map(describeResult),
  };
}

/** Fails with every problem axe reports, and with contrast checks that axe left undecided. */
export async function assertAccessible(page: Page): Promise<void> {
  const findings = await runAxe(page);

  assert.deepEqual(findings.violations, [], `axe violations on ${page.url()}`);
  const undecidedContrast = findings.incomplete.filter((problem) => problem.rule === 'color-contrast');
  assert.deepEqual(undecidedContrast, [], `contrast axe could not check on ${page.url()}`);
}

function describeResult(result: axe.Result): AccessibilityProblem {
  return {
    rule: result.id,
    summary: result.help,
    targets: result.nodes.map((node) => node.target.join(' ')),
  };
}
