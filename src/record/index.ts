/**
 * `lasersell-stream/record`: record a live session to a file, read recordings back, and backtest
 * strategies on them. Free of web3.js and of the mock server; replay lives on `MockStreamServer`
 * (`lasersell-stream/testing`).
 *
 * Only what a user of recording, reading and backtesting needs is exported here; the helpers our
 * own CLI, bench and tests use (`RecordingWriter`, `isFrame`, `parseStrategySpec`...) are imported
 * from their module files.
 */
export {
  RECORDING_FORMAT,
  RECORDING_FORMAT_VERSION,
  type EventEntry,
  type FrameEntry,
  type Recording,
  type RecordingEntry,
  type RecordingHeader,
} from "./format.js";
export {
  recordSession,
  type RecordableConnection,
  type RecordingWriterOptions,
  type RecordingWriterStats,
  type SessionRecorder,
} from "./writer.js";
export { loadRecording, readRecordingLines } from "./reader.js";
export {
  backtest,
  backtestRecording,
  type BacktestExit,
  type BacktestOptions,
  type BacktestReport,
  type PositionOutcome,
  type StrategySummary,
} from "../backtest/backtest.js";
export type { BacktestStrategy } from "../backtest/spec.js";
export type { PathPoint, RecordedPosition } from "../backtest/paths.js";
export { formatReport, renderHtmlReport, reportJson } from "../backtest/report.js";
export { DEFAULT_READINGS, type EngineReadings } from "../testing/strategy-engine.js";
