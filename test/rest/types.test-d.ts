/** The Exit API and retry names accept what the official SDK's accept (a migration is an import swap). */
import type * as official from "@lasersell/lasersell-sdk";
import { describe, expectTypeOf, it } from "vitest";
import { ExitApiClient, type BuildBuyTxRequest, type BuildSellTxRequest, type BuildTxResponse, type ExitApiClientOptions, type RetryPolicy, type WalletOwnershipProof } from "../../src/index.js";

describe("official shapes are accepted", () => {
  it("requests, policies, options, proofs and answers", () => {
    expectTypeOf<official.BuildSellTxRequest>().toExtend<BuildSellTxRequest>();
    expectTypeOf<official.BuildBuyTxRequest>().toExtend<BuildBuyTxRequest>();
    expectTypeOf<official.RetryPolicy>().toExtend<RetryPolicy>();
    expectTypeOf<official.WalletProof>().toExtend<WalletOwnershipProof>();
    expectTypeOf<BuildTxResponse>().toExtend<official.BuildTxResponse>();
    expectTypeOf<Pick<official.ExitApiClientOptions, "attempt_timeout_ms" | "retry_policy">>().toExtend<Partial<ExitApiClientOptions>>();
  });

  it("constructors and builders", () => {
    expectTypeOf(ExitApiClient.withApiKey("k").withLocalMode(true).withBaseUrl("http://localhost:8082")).toEqualTypeOf<ExitApiClient>();
    expectTypeOf(new ExitApiClient("k", { attempt_timeout_ms: 1 })).toEqualTypeOf<ExitApiClient>();
    expectTypeOf(new ExitApiClient({ apiKey: "k", local: true })).toEqualTypeOf<ExitApiClient>();
    expectTypeOf(ExitApiClient.connect).returns.resolves.toEqualTypeOf<ExitApiClient>();
  });

  it("a PositionHandle of either package fits buildPartialSellTx, in both call forms", () => {
    const client = ExitApiClient.withApiKey("k");
    const handle = {} as official.PositionHandle;
    expectTypeOf(client.buildPartialSellTx(handle, 10, { slippageBps: 500 })).resolves.toEqualTypeOf<BuildTxResponse>();
    expectTypeOf(client.buildPartialSellTx(handle, 10n, 500, "SOL")).resolves.toEqualTypeOf<BuildTxResponse>();
  });
});
