/** Command-line entry point: `execution-role-check <command>` (placeholder until the commands land). */
process.stderr.write('execution-role-check: no commands yet\n');
process.exitCode = 2;
