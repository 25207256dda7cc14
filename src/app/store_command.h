// `quanzu store keygen|rekey`: the key file of encryption at rest ([store] key_file) and the
// re-encryption of a store with its current key (store/crypt/cipher.h, store/sqlite/rekey.h).
#pragma once

#include <iosfwd>
#include <string>
#include <vector>

namespace quanzu::app {

// `args` are the words after "store". Exit codes: 0 done, 1 refused or failed (the message
// names the file, line or flag), 64 a malformed command line.
int run_store_command(const std::vector<std::string>& args, std::ostream& out, std::ostream& err);

}  // namespace quanzu::app
