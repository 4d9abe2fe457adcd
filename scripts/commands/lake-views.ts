/** What the lake commands share: the workflows' live states, for the views that show them. */
import type { ResolvedConfig } from '../../config/schema';
import { liveClientStates } from '../../adapters/temporal/live-states';
import type { LiveClientState } from '../../adapters/lake/views';

/** Live states, or none with a warning: health from the lake alone is still worth showing. */
export function liveStatesFor(config: ResolvedConfig, command: string): () => Promise<LiveClientState[]> {
  return async () => {
    const live = await liveClientStates(config);
    if (live.problem) process.stderr.write(`pipeline ${command}: workflow state unavailable (${live.problem}); showing lake figures only\n`);
    return live.states;
  };
}
