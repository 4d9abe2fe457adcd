/** A Slack-compatible incoming webhook: a JSON POST with a `text` field. */

export async function postWebhook(url: string, text: string, timeoutMs: number): Promise<void> {
  let response: Response;
  try {
    response = await fetch(url, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ text }),
      signal: AbortSignal.timeout(timeoutMs),
    });
  } catch (e) {
    // The URL holds the hook's token: say why it failed without quoting it, and without the
    // original error (whose message or cause may quote the URL).
    const cause = (e as Error & { cause?: { code?: string } }).cause;
    // eslint-disable-next-line preserve-caught-error
    throw new Error(`webhook unreachable: ${cause?.code ?? (e as Error).name}`);
  }
  await response.body?.cancel();
  if (!response.ok) throw new Error(`webhook answered HTTP ${response.status}`);
}
