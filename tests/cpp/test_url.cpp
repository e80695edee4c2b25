// database_url parsing and password masking.
#include <gtest/gtest.h>

#include "carrierdb/backend/connection.hpp"
#include "carrierdb/backend/url.hpp"
#include "carrierdb/error.hpp"

using carrierdb::backend_kind;
using carrierdb::database_url;

TEST(database_url, postgres_url_is_parsed_by_libpq) {
  const auto url = database_url::parse("postgresql://app:s3cret@db.example:6543/carriers?sslmode=require&connect_timeout=7");
  EXPECT_EQ(url.kind(), backend_kind::postgresql);
  EXPECT_EQ(url.pg_option("host"), "db.example");
  EXPECT_EQ(url.pg_option("port"), "6543");
  EXPECT_EQ(url.pg_option("dbname"), "carriers");
  EXPECT_EQ(url.pg_option("user"), "app");
  EXPECT_EQ(url.pg_option("password"), "s3cret");
  EXPECT_EQ(url.pg_option("sslmode"), "require");
  EXPECT_EQ(url.display().find("s3cret"), std::string::npos);
  EXPECT_NE(url.display().find("app:****@db.example:6543/carriers"), std::string::npos);
}

TEST(database_url, postgres_scheme_alias_and_unix_socket_host) {
  const auto url = database_url::parse("postgres:///carriers?host=/var/run/postgresql");
  EXPECT_EQ(url.kind(), backend_kind::postgresql);
  EXPECT_EQ(url.pg_option("host"), "/var/run/postgresql");
  EXPECT_EQ(url.pg_option("dbname"), "carriers");
}

TEST(database_url, prisma_parameters_are_taken_out_and_mapped_for_libpq) {
  const auto url = database_url::parse(
      "postgresql://app:s3cret@db:5432/carriers?schema=billing%20v2&pgbouncer=true&connection_limit=7&pool_timeout=2.5"
      "&sslmode=require&sslcert=/ca.pem&sslidentity=/id.p12&sslpassword=p12secret&statement_cache_size=0&application_name=api");
  EXPECT_EQ(url.prisma_option("schema"), "billing v2");
  EXPECT_EQ(url.prisma_option("pgbouncer"), "true");
  EXPECT_EQ(url.pg_option("application_name"), "api");
  EXPECT_EQ(url.pg_option("sslrootcert"), "/ca.pem");     // Prisma's sslcert: the server's CA certificate
  EXPECT_EQ(url.pg_option("sslmode"), "verify-full");     // checked strictly against it (sslaccept=strict)
  EXPECT_EQ(url.pg_option("sslcert"), "");                // never libpq's client certificate
  EXPECT_EQ(url.pg_option("sslpassword"), "");
  EXPECT_EQ(url.display().find("p12secret"), std::string::npos);
  EXPECT_EQ(url.display().find("s3cret"), std::string::npos);
  EXPECT_NE(url.display().find("schema=billing%20v2"), std::string::npos);
  const auto options = carrierdb::options_for_url(url, {});
  EXPECT_EQ(options.pool_size, 7u);
  EXPECT_EQ(options.pool_timeout.count(), 2500);
  EXPECT_LT(options.prepare_threshold, 0);
  EXPECT_EQ(database_url::parse("postgresql://h/db?sslcert=/ca.pem&sslaccept=accept_invalid_certs&sslmode=verify-full").pg_option("sslmode"),
            "require");
}

TEST(database_url, sqlite_forms) {
  EXPECT_EQ(database_url::parse("sqlite:///abs/path.db").sqlite_path(), "/abs/path.db");
  EXPECT_EQ(database_url::parse("sqlite:relative.db").sqlite_path(), "relative.db");
  EXPECT_EQ(database_url::parse("file:./dev.db").sqlite_path(), "./dev.db");
  EXPECT_EQ(database_url::parse("file:./dev.db?connection_limit=1").sqlite_path(), "./dev.db");
  EXPECT_TRUE(database_url::parse("sqlite::memory:").sqlite_in_memory());
}

TEST(database_url, sqlite_mode_and_immutable_parameters) {
  const auto ro = database_url::parse("sqlite:/data/app.db?mode=ro");
  EXPECT_EQ(ro.sqlite_path(), "/data/app.db");
  EXPECT_TRUE(ro.sqlite_read_only());
  EXPECT_EQ(ro.display(), "sqlite:/data/app.db?mode=ro");  // the user sees why writes are refused
  const auto rw = database_url::parse("file:./dev.db?connection_limit=1&mode=rw");
  EXPECT_FALSE(rw.sqlite_read_only());
  EXPECT_FALSE(rw.sqlite_may_create());
  EXPECT_TRUE(database_url::parse("sqlite:app.db?immutable=1").sqlite_read_only());
  EXPECT_TRUE(database_url::parse("sqlite:app.db").sqlite_may_create());
  EXPECT_THROW(database_url::parse("sqlite:app.db?mode=readonly"), carrierdb::configuration_error);
}

TEST(database_url, bad_urls_are_configuration_errors_without_secrets) {
  for (const char *bad : {"mysql://root:s3cret@h/db", "postgresql://u:s3cret@[::1/db", "postgresql://u:s3cret@h:70000/db", "",
                          "sqlite:", "plain words"}) {
    try {
      database_url::parse(bad);
      ADD_FAILURE() << "accepted " << bad;
    } catch (const carrierdb::configuration_error &e) {
      EXPECT_EQ(std::string(e.what()).find("s3cret"), std::string::npos) << e.what();
      EXPECT_FALSE(e.hint().empty());
    }
  }
}

TEST(mask_secrets, hides_passwords_in_urls_and_keywords) {
  EXPECT_EQ(carrierdb::mask_secrets("postgresql://u:p%40ss@h/db"), "postgresql://u:****@h/db");
  EXPECT_EQ(carrierdb::mask_secrets("host=h password='a b' user=u"), "host=h password=**** user=u");
  EXPECT_EQ(carrierdb::mask_secrets("x?password=abc&sslmode=require"), "x?password=****&sslmode=require");
}
