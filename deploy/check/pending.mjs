// Flags the manifests use that the tracepipe binary under check may not have
// yet: built on main in the same change (issue 22) as deploy/. A flag listed
// here passes when `--help` lacks it, and the check says so; once every
// binary has them, the check says the entries are no longer needed: delete
// them (and this file's use in lib/commands.mjs).
//   command: the subcommand path; flags: name → takes a value
export const pending = [
  { command: "load", flags: { "--segment": true, "--start-at": true } },
  { command: "report merge", flags: { "--config": true, "--out": true, "--threshold": true } },
];
