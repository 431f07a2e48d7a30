/**
 * `lasersell-stream/tx`: turn an exit signal's (or mirror-buy signal's) unsigned transaction into
 * a signed one safely and fast, and submit it. A separate entry point so that importing the stream
 * never loads `@solana/web3.js`.
 */
export {
  decodeTransaction,
  decodeTransactionBytes,
  decodeBase64Strict,
  MAX_TRANSACTION_SIZE,
  type AccountRef,
  type Base58,
  type DecodedInstruction,
  type DecodedLookup,
  type DecodedTransaction,
} from "./decode.js";
export {
  inspectTransaction,
  SYSTEM_PROGRAM_ID,
  COMPUTE_BUDGET_PROGRAM_ID,
  TOKEN_PROGRAM_ID,
  TOKEN_2022_PROGRAM_ID,
  LAMPORTS_PER_SIGNATURE,
  DEFAULT_INSTRUCTION_COMPUTE_UNIT_LIMIT,
  MAX_COMPUTE_UNIT_LIMIT,
  type SolMovement,
  type TokenAccountClose,
  type TransactionSummary,
} from "./inspect.js";
export { TX_DEFAULTS } from "./defaults.js";
export { TOKEN_ACCOUNT_RENT_LAMPORTS, associatedTokenAddress } from "./guard.js";
export {
  DEFAULT_SOL_OUTFLOW_ALLOWANCE_LAMPORTS,
  guardFor,
  guardLimits,
  type ExitMessageLike,
  type GuardConfiguration,
  type GuardConfigurationSource,
  type GuardLimits,
  type GuardOptions,
} from "./guard-limits.js";
export {
  KNOWN_PROGRAMS,
  ASSOCIATED_TOKEN_PROGRAM_ID,
  MEMO_PROGRAM_ID,
  LASERSELL_ROUTER_PROGRAM_ID,
  DEX_PROGRAM_IDS,
  PRECOMPILE_PROGRAM_IDS,
  HELIUS_TIP_ACCOUNTS,
  ASTRALANE_TIP_ACCOUNTS,
  JITO_TIP_ACCOUNTS,
  TIP_ACCOUNTS,
  WSOL_MINT,
  USD1_MINT,
  programName,
  type KnownProgram,
} from "./programs.js";
export { createSigner, type KeypairLike, type SignerInput, type TxSigner } from "./signer.js";
export {
  signExitTransaction,
  guardTransaction,
  signUnsignedTx,
  signUnsignedTxB64Fast,
  encodeSignedTx,
  type SignedTransaction,
  type SignExitOptions,
} from "./sign.js";
export {
  submitTransaction,
  sendTransactionB64To,
  sendTransaction,
  signAndSendUnsignedTxB64,
  type SubmitOptions,
} from "./submit.js";
export {
  sendTargetRpc,
  sendTargetDefaultRpc,
  sendTargetHeliusSender,
  sendTargetAstralane,
  astralaneIrisUrl,
  HELIUS_SENDER_BASE_URL,
  HELIUS_SENDER_FAST_URL,
  HELIUS_SENDER_PING_URL,
  ASTRALANE_DEFAULT_REGION,
  MAINNET_BETA_RPC_URL,
  type SendTarget,
} from "./targets.js";
export type { FetchLike } from "./rpc.js";
export { pingHeliusSender, startHeliusSenderWarmLoop, type HeliusPingOptions } from "./helius-warm.js";
export { signExitApiTransaction, type ExitApiBuildLike, type ExitApiRequestLike } from "./exit-api.js";
export { proveOwnership } from "./ownership.js";
export {
  confirmTransaction,
  callRpc,
  type Commitment,
  type ConfirmOptions,
  type ConfirmedTransaction,
  type RpcCallOptions,
  type RpcEndpoint,
} from "./confirm.js";
export {
  executeExits,
  type ExecuteExitsOptions,
  type ExitExecutor,
  type ExitExecutorEvents,
  type ExitExecutorStats,
  type ExitFailure,
  type ExitGuard,
  type ExitSignalMessage,
  type ExitStepEvent,
} from "./executor.js";
export { readExitJournal, type JournalEntry, type JournalOutcome } from "./journal.js";
export {
  StreamError,
  StreamValidationError,
  TransactionDecodeError,
  TransactionGuardError,
  SubmitError,
  TxSubmitError,
  type TxSubmitErrorKind,
  TransactionConfirmationError,
  ExitJournalError,
  type ConfirmationFailure,
  type StreamErrorCode,
  type TransactionGuardRule,
} from "../errors.js";
export type { WalletOwnershipProof } from "../rest/register.js";
export { verifyBySimulation, type SimulationEffects, type SimulationOptions } from "./simulate.js";
