/**
 * The command line's dispatcher: `lasersell-stream <command> [options]`, one module per command
 * (see `commands.ts`). `--version`, `--help` and `<command> --help` are handled here.
 */
import { CliError, type CliIo, type Command } from "./command.js";
import { COMMANDS } from "./commands.js";
import { packageVersion } from "./version.js";

function usage(): string {
  const width = Math.max(...COMMANDS.map((c) => c.name.length)) + 2;
  return `Usage: lasersell-stream <command> [options]

Commands:
${COMMANDS.map((c) => `  ${c.name.padEnd(width)}${c.summary}`).join("\n")}

Options:
  -h, --help     Show this help; 'lasersell-stream <command> --help' shows a command's options
  -v, --version  Print the version

Examples:
  lasersell-stream demo
  lasersell-stream mock
  lasersell-stream tail --local
`;
}

const isHelp = (arg: string): boolean => arg === "--help" || arg === "-h";

/** Runs the command line; resolves with the exit code. */
export async function main(argv: string[], io: CliIo): Promise<number> {
  const [first, ...rest] = argv;
  if (first === "--version" || first === "-v" || first === "version") {
    io.stdout(`${packageVersion()}\n`);
    return 0;
  }
  if (first === undefined || isHelp(first) || first === "help") {
    const topic = first === "help" ? COMMANDS.find((c) => c.name === rest[0]) : undefined;
    (first === undefined ? io.stderr : io.stdout)(topic?.help ?? usage());
    return first === undefined ? 1 : 0;
  }
  const command: Command | undefined = COMMANDS.find((c) => c.name === first);
  if (command === undefined) {
    io.stderr(`lasersell-stream: unknown command '${first}'\n\n${usage()}`);
    return 1;
  }
  if (rest.some(isHelp)) {
    io.stdout(command.help);
    return 0;
  }
  try {
    return await command.run(rest, io);
  } catch (err) {
    // parseArgs reports unknown or malformed options with a code; those are usage errors too.
    const usageError = err instanceof CliError || (err as { code?: unknown }).code?.toString().startsWith("ERR_PARSE_ARGS") === true;
    if (!usageError) throw err;
    io.stderr(`lasersell-stream ${command.name}: ${(err as Error).message}\nRun 'lasersell-stream ${command.name} --help' for its options.\n`);
    return 1;
  }
}
