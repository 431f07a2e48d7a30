import type { Keypair, VersionedTransaction } from "@solana/web3.js";
import { describe, expectTypeOf, it } from "vitest";
import type { ExitSignalWithTx, MirrorBuySignal } from "../../src/protocol/index.js";
import type { ExitMessageLike, SignedTransaction, SignerInput, TransactionGuardRule } from "../../src/tx/index.js";
import type { signExitTransaction, submitTransaction } from "../../src/tx/index.js";

describe("tx types", () => {
  it("protocol messages of both int modes are ExitMessageLike", () => {
    expectTypeOf<ExitSignalWithTx>().toExtend<ExitMessageLike>();
    expectTypeOf<ExitSignalWithTx<"bigint">>().toExtend<ExitMessageLike>();
    expectTypeOf<MirrorBuySignal>().toExtend<ExitMessageLike>();
    expectTypeOf<MirrorBuySignal<"bigint">>().toExtend<ExitMessageLike>();
    expectTypeOf<{ unsigned_tx_b64: string }>().not.toExtend<ExitMessageLike>();
  });

  it("signers and results", () => {
    expectTypeOf<Keypair>().toExtend<SignerInput>();
    expectTypeOf<Uint8Array>().toExtend<SignerInput>();
    expectTypeOf<string>().toExtend<SignerInput>();
    expectTypeOf<ReturnType<typeof signExitTransaction>>().toEqualTypeOf<SignedTransaction>();
    expectTypeOf<SignedTransaction["transaction"]>().toEqualTypeOf<VersionedTransaction>();
    expectTypeOf<ReturnType<typeof submitTransaction>>().toEqualTypeOf<Promise<string>>();
    expectTypeOf<TransactionGuardRule>().toEqualTypeOf<
      | "decode"
      | "buy_limit"
      | "fee_payer"
      | "required_signer"
      | "signer_mismatch"
      | "allowed_programs"
      | "system_authority"
      | "token_authority"
      | "sol_outflow"
      | "simulation"
    >();
  });
});
