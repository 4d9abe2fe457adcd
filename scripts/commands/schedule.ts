/** `pipeline schedule`: triggered runs of one client on a Temporal Schedule; `list` and `delete` them. */
import { InvalidArgumentError, Option } from 'commander';
import type { Command } from 'commander';
import { deleteSchedule, listSchedules, scheduleClient } from '../../adapters/temporal/schedule';
import type { LastRun, ScheduleInfo } from '../../adapters/temporal/schedule';
import { withTemporalClient } from '../../adapters/temporal/client';
import { parseInterval } from '../../domain/interval';
import { action, clientId, jsonOption, UsageError } from '../cli';
import type { JsonOption } from '../cli';
import { output, table } from '../cli-output';

function interval(text: string): number {
  try {
    return parseInterval(text);
  } catch (e) {
    throw new InvalidArgumentError((e as Error).message);
  }
}

/** One line on how the last run went. */
function lastResult(run: LastRun | null): string {
  if (!run) return 'no run yet';
  const s = run.summary;
  if (!s) return run.error ? `${run.status.toLowerCase()}: ${run.error}` : run.status.toLowerCase();
  const failed = s.failedBatches.length > 0 ? `, ${s.failedBatches.length} failed` : '';
  const left = s.pending > 0 ? `, ${s.pending} left queued (client ${s.paused ? 'paused' : 'stopped'})` : '';
  return `${s.batches} batches, ${s.records} records, silver ${s.silver}, dropped ${s.dropped}${failed}${left}`;
}

function humanList(schedules: ScheduleInfo[]): string {
  if (schedules.length === 0) return 'no schedules (pipeline schedule ID --every 1h)';
  return table(
    schedules.map((s) => ({
      client: s.clientId,
      every: s.every + (s.paused ? ' (paused)' : ''),
      'next run': s.nextRunAt ?? '',
      'last run': s.lastRun?.startedAt ?? '',
      'last result': lastResult(s.lastRun),
      schedule: s.scheduleId,
    })),
  );
}

export function registerSchedule(program: Command): void {
  const schedule = program
    .command('schedule')
    .summary('Runs one client in triggered mode on a Temporal Schedule (list, delete)')
    .description(
      'Runs one client in triggered mode on a Temporal Schedule, for clients that need no streaming: each run ingests up to ' +
        'the end offsets present at its start, processes what the client got since the previous run, and stops the client ' +
        'again. Creates the schedule, or updates its interval. A run due while the previous one still works is skipped. ' +
        '`pipeline schedule list` shows the schedules, `pipeline schedule delete ID` removes one.',
    )
    .argument('[id]', 'client id', clientId)
    .addOption(new Option('--every <interval>', 'how often: 30s, 15m, 1h or 1d').argParser(interval))
    .addOption(jsonOption())
    .action(
      action<JsonOption & { every?: number }, [string | undefined]>(async (config, options, id) => {
        if (id === undefined) throw new UsageError('name a client: pipeline schedule ID --every 1h (or pipeline schedule list)');
        if (options.every === undefined) throw new UsageError('say how often with --every, e.g. --every 1h');
        const every = options.every;
        const result = await withTemporalClient(config, (temporal) => scheduleClient(config, temporal, id, every));
        output(
          options.json,
          result,
          () => `${result.outcome} ${result.scheduleId}: client ${id} every ${result.every}, next run ${result.nextRunAt ?? 'unknown'}`,
        );
      }),
    );

  schedule
    .command('list')
    .summary("This deployment's schedules: client, interval, next run, last run's result")
    .description("This deployment's schedules: client, interval, next run, and the last run's result. --json prints them as JSON.")
    .action(
      action<object>(async (config) => {
        const schedules = await withTemporalClient(config, (temporal) => listSchedules(config, temporal));
        // `--json` after `list` is parsed as the schedule command's own option.
        output(schedule.opts<JsonOption>().json, schedules, () => humanList(schedules));
      }),
    );

  schedule
    .command('delete')
    .summary("Deletes a client's schedule")
    .description("Deletes a client's schedule. A run in progress finishes; the client stays stopped until `pipeline start --client ID`.")
    .argument('<id>', 'client id', clientId)
    .action(
      action<object, [string]>(async (config, _options, id) => {
        const deleted = await withTemporalClient(config, (temporal) => deleteSchedule(config, temporal, id));
        process.stdout.write(`deleted ${deleted}\n`);
      }),
    );
}
