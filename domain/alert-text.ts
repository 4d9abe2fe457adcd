/**
 * The words of an alert, the same on every channel: a subject line and a body naming client,
 * batch, layer, error, counts and the Web UI link of the workflow. Pure.
 */
import type { Alert } from '../contract/alerts';

export interface AlertText {
  subject: string;
  body: string;
}

const plural = (n: number, word: string): string => `${n} ${word}${n === 1 ? '' : 's'}`;

export function alertText(alert: Alert, target: string, link: string): AlertText {
  const { report, folded } = alert;
  const client = report.clientId ?? '(all clients)';
  const foldedLine = folded > 0 ? `${plural(folded, 'further failure')} folded since the previous alert` : '';
  const counts = `batches failed ${report.counts.failedBatches} · processed ${report.counts.processedBatches}`;
  if (report.kind === 'recovery') {
    return {
      subject: `[pipeline ${target}] ${client} recovered`,
      body: [`Client: ${client}`, 'Its batches succeed again; no failed batch is left.', counts, foldedLine, `Workflow: ${link}`]
        .filter(Boolean)
        .join('\n'),
    };
  }
  const batch = report.batchId ?? '(none named)';
  return {
    subject: `[pipeline ${target}] ${client}: batch ${batch} failed in ${report.layer}${folded > 0 ? ` (+${folded} folded)` : ''}`,
    body: [
      `Client: ${client}`,
      `Batch: ${batch}`,
      `Layer: ${report.layer}`,
      `Error: ${report.errorType}: ${report.error}`,
      `Records in batch: ${report.counts.records} · ${counts}`,
      foldedLine,
      `Workflow: ${link}`,
    ]
      .filter(Boolean)
      .join('\n'),
  };
}

/** Removes every secret from a text (an error message may quote a URL or a login). */
export function redact(text: string, secrets: readonly (string | undefined)[]): string {
  let out = text;
  for (const s of secrets) if (s && s.length >= 4) out = out.split(s).join('***');
  return out;
}
