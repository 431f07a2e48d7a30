/**
 * `lasersell-stream/record`: record a live session to a file, read recordings back, and backtest
 * strategies on them. Free of web3.js and of the mock server; replay lives on `MockStreamServer`
 * (`lasersell-stream/testing`).
 */
export {
  LIBRARY_VERSION,
  RECORDING_FORMAT,
  RECORDING_FORMAT_VERSION,
  isFrame,
  type EventEntry,
  type FrameEntry,
  type Recording,
  type RecordingEntry,
  type RecordingHeader,
} from "./format.js";
export {
  RecordingWriter,
  configureText,
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
  pointPnl,
  runPosition,
  type BacktestExit,
  type BacktestOptions,
  type BacktestReport,
  type PositionOutcome,
  type StrategySummary,
} from "../backtest/backtest.js";
export { parseStrategySpec, type BacktestStrategy } from "../backtest/spec.js";
export { recordedPositions, type PathPoint, type RecordedPosition } from "../backtest/paths.js";
export { formatReport, renderHtmlReport, reportJson } from "../backtest/report.js";
export {
  DEFAULT_READINGS,
  READING_CHOICES,
  type EngineReadings,
} from "../testing/strategy-engine.js";
