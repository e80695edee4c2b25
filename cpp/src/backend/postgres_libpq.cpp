// libpq_connection(): the one door from a libpqxx connection to the libpq PGconn under it.
//
// libpqxx 6.4 keeps that PGconn private, yet the adapter needs libpq for three things 6.4 does not
// offer: a cancel handle made once, which a stop request may use from another thread (PQgetCancel;
// cancel_query() builds one on the busy connection), the parameters the server reports
// (in_hot_standby, default_transaction_read_only) and binary COPY (PQputCopyData). The pointer to the private raw_connection() member is taken through
// an explicit template instantiation, where access rules do not apply ([temp.explicit]). Callers
// run libpq on it only while libpqxx has nothing in flight on that connection. Kept here alone so
// that a libpqxx upgrade changing that member breaks one small file, not the adapter.
#include "postgres_adapter.hpp"

namespace carrierdb::internal {

namespace {

using raw_connection_member = pqxx::internal::pq::PGconn *(pqxx::connection_base::*)() const;
raw_connection_member raw_connection_of();
template <raw_connection_member Member>
struct raw_connection_access {
  friend raw_connection_member raw_connection_of() { return Member; }
};
template struct raw_connection_access<&pqxx::connection_base::raw_connection>;

}  // namespace

PGconn *libpq_connection(pqxx::connection_base &c) { return (c.*raw_connection_of())(); }

}  // namespace carrierdb::internal
