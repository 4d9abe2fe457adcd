/**
 * Which client ids may reach a client workflow. Client ids are case-sensitive, but DuckDB names
 * are not, so the canonical form of an id is the first spelling the pipeline sees of it (a known
 * client's, or the first discovered): a later id that differs from it only in case is refused
 * (`valid_client_id`), so no two clients share a view. Auto-discovery admits at most
 * `maxDiscovered` clients beyond the known ones; beyond that records are `unknown_client`. Pure.
 */
import type { Admission, ClientAdmitter } from './rules';

export interface AdmissionSettings {
  known: readonly string[];
  /** Clients discovered before (the lake's registry). */
  discovered: readonly string[];
  autoDiscover: boolean;
  maxDiscovered: number;
}

export class ClientAdmission implements ClientAdmitter {
  /** Spelling of every admitted client, by its lower-case form. */
  private readonly byFolded = new Map<string, string>();
  private readonly known: ReadonlySet<string>;
  private readonly fresh: string[] = [];
  private discoveredCount = 0;

  constructor(private readonly settings: AdmissionSettings) {
    this.known = new Set(settings.known);
    for (const id of settings.known) this.byFolded.set(id.toLowerCase(), id);
    for (const id of settings.discovered) {
      if (this.byFolded.has(id.toLowerCase())) continue;
      this.byFolded.set(id.toLowerCase(), id);
      this.discoveredCount += 1;
    }
  }

  admit(clientId: string): Admission {
    const seen = this.byFolded.get(clientId.toLowerCase());
    if (seen !== undefined && seen !== clientId) {
      return { ok: false, rule: 'valid_client_id', reason: `client_id differs only in case from client ${seen}` };
    }
    if (this.known.has(clientId)) return { ok: true };
    if (!this.settings.autoDiscover) {
      return { ok: false, rule: 'unknown_client', reason: `client ${clientId} is not a known client and auto-discovery is off` };
    }
    if (seen === clientId) return { ok: true };
    if (this.discoveredCount >= this.settings.maxDiscovered) {
      return {
        ok: false,
        rule: 'unknown_client',
        reason: `client ${clientId} is new, and ${this.settings.maxDiscovered} clients were already discovered (the limit)`,
      };
    }
    this.byFolded.set(clientId.toLowerCase(), clientId);
    this.discoveredCount += 1;
    this.fresh.push(clientId);
    return { ok: true };
  }

  /** Clients admitted for the first time, in the order they were seen. */
  newlyDiscovered(): readonly string[] {
    return this.fresh;
  }
}
