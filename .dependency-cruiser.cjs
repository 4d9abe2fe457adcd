// Layer rules: imports point one way, from scripts and workers down to contract.
// contract <- domain <- config <- adapters <- activities <- workers <- scripts; workflows see only
// contract and domain. Type-only imports count too, so a layer cannot lean on another's types.

const project = '^(contract|domain|config|adapters|activities|workflows|workers|scripts|test|bin)/';
// Packages that do IO or need Node; deterministic and pure layers must not reach them.
const ioPackages = '^(node_modules/)?(kafkajs|@duckdb/|@temporalio/(client|worker|activity|testing)|hyparquet)';

/** A layer may import only the project folders listed in `allowed` (and itself). */
function layer(name, allowed) {
  const folders = [name, ...allowed].join('|');
  return {
    name: `${name}-layer`,
    comment: `${name}/ may import only ${allowed.length ? allowed.join(', ') : 'nothing of the project'}.`,
    severity: 'error',
    from: { path: `^${name}/` },
    to: { path: project, pathNot: `^(${folders})/` },
  };
}

module.exports = {
  forbidden: [
    layer('contract', []),
    layer('domain', ['contract']),
    layer('config', ['domain', 'contract']),
    layer('adapters', ['config', 'domain', 'contract']),
    layer('activities', ['adapters', 'config', 'domain', 'contract']),
    layer('workflows', ['contract', 'domain']),
    layer('workers', ['activities', 'adapters', 'config', 'domain', 'contract', 'workflows']),
    {
      name: 'only-test-imports-test',
      comment: 'Test helpers stay out of shipped code.',
      severity: 'error',
      from: { pathNot: '^test/' },
      to: { path: '^test/' },
    },
    {
      name: 'deterministic-workflows',
      comment: 'Workflow code is replayed in a sandbox: no Node builtins.',
      severity: 'error',
      from: { path: '^workflows/' },
      to: { dependencyTypes: ['core'] },
    },
    {
      name: 'pure-core-no-builtins',
      comment: 'contract/ and domain/ do no IO; domain may join paths with node:path.',
      severity: 'error',
      from: { path: '^(contract|domain)/' },
      to: { dependencyTypes: ['core'], pathNot: '^(node:)?path$' },
    },
    {
      name: 'no-io-packages-in-pure-layers',
      comment: 'contract/, domain/ and workflows/ reach no broker, database or Temporal client.',
      severity: 'error',
      from: { path: '^(contract|domain|workflows)/' },
      to: { path: ioPackages },
    },
    {
      name: 'light-workflow-bundle',
      comment:
        'Every workflow the worker starts loads the modules of the bundle again: zod (its schemas are built when loaded) stays out of what workflows/ reaches.',
      severity: 'error',
      from: { path: '^workflows/' },
      to: { path: '^(node_modules/)?zod/', reachable: true },
    },
    {
      name: 'contract-no-node-path',
      comment: 'contract/ is shared with workflows, so not even node:path.',
      severity: 'error',
      from: { path: '^contract/' },
      to: { dependencyTypes: ['core'] },
    },
    {
      name: 'no-circular',
      comment: 'A cycle ties two modules into one; break it by moving the shared part down a layer.',
      severity: 'error',
      from: {},
      to: { circular: true },
    },
    {
      name: 'not-to-unresolvable',
      comment: 'An import that resolves to nothing fails at run time.',
      severity: 'error',
      from: {},
      to: { couldNotResolve: true },
    },
  ],
  options: {
    exclude: { path: '^(lake|\\.stack|\\.git)/' },
    doNotFollow: { path: 'node_modules' },
    tsPreCompilationDeps: true,
    tsConfig: { fileName: 'tsconfig.json' },
    enhancedResolveOptions: {
      exportsFields: ['exports'],
      conditionNames: ['import', 'require', 'node', 'default', 'types'],
    },
    reporterOptions: { text: { highlightFocused: true } },
  },
};
