// The contract every CaseStore adapter honours, written once. An adapter's test file
// instantiates it:
//   INSTANTIATE_TEST_SUITE_P(Sqlite, StoreContract, ::testing::Values(&make_sqlite_store));
#pragma once

#include <future>
#include <memory>

#include <gtest/gtest.h>

#include "store/store.h"

namespace quanzu::store::testing {

// Makes an empty store for one test. The store lives as long as the returned pointer.
using StoreFactory = std::unique_ptr<CaseStore> (*)();

class StoreContract : public ::testing::TestWithParam<StoreFactory> {};

// Synchronous wrappers over the asynchronous writes.
Result<std::vector<IngestOutcome>> ingest_sync(CaseStore& store, std::vector<NewCase> batch);
Result<cases::Case> update_sync(CaseStore& store, const std::string& id, Mutator mutate);

// A new case as the service would make it, with a "created" event.
NewCase sample_case(const std::string& instruction_id, Millis at,
                    const std::string& station = "500105-01");

}  // namespace quanzu::store::testing
