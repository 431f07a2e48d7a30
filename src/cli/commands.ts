/**
 * Every `lasersell-stream` subcommand, in the order the top-level help lists them. A new
 * subcommand is a module exporting a {@link Command}, added here.
 */
import type { Command } from "./command.js";
import { demoCommand } from "./demo.js";
import { mockCommand } from "./mock.js";
import { tailCommand } from "./tail.js";
import { recordCommand } from "./record.js";
import { backtestCommand } from "./backtest.js";

export const COMMANDS: readonly Command[] = [mockCommand, tailCommand, recordCommand, backtestCommand, demoCommand];
