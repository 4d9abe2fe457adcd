/**
 * The `applySettings` update and `settings` query of a workflow: new settings are checked by the
 * validator (a bad update is refused and leaves no trace in history), applied from the next
 * batch, logged, and answered with what changed. The workflow carries them across
 * continue-as-new, since it holds them in its own state.
 */
import { log, setHandler } from '@temporalio/workflow';
import { applySettingsUpdate, settingsQuery } from '../contract/messages';
import type { SettingsPatch } from '../contract/settings';
import { settingChanges, settingsPatchProblems, withSettings } from '../domain/settings';
import type { HeldSettings } from '../domain/settings';

export function handleSettings<T extends HeldSettings>(workflow: string, held: () => T, apply: (next: T) => void): void {
  setHandler(settingsQuery, (): SettingsPatch => held());
  setHandler(
    applySettingsUpdate,
    (patch: SettingsPatch) => {
      const changes = settingChanges(held(), patch);
      apply(withSettings(held(), patch));
      log.info('settings applied', { workflow, changes });
      return changes;
    },
    {
      validator: (patch: SettingsPatch) => {
        const problems = settingsPatchProblems(patch, held());
        if (problems.length > 0) throw new Error(problems.join('; '));
      },
    },
  );
}
