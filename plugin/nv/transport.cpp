#include "nv/transport.hpp"

#include <curl/curl.h>

#include <mutex>

#include "util/error.hpp"

namespace eckid::nv {

// A libcurl share handle for connections, TLS sessions and DNS, with one lock per kind.
struct Transport::Shared {
  CURLSH *share = nullptr;
  std::mutex locks[CURL_LOCK_DATA_LAST];

  Shared() {
    share = curl_share_init();
    if (share == nullptr) throw Error(ECKID_E_INTERNAL, "libcurl: cannot create a share handle");
    curl_share_setopt(share, CURLSHOPT_LOCKFUNC, lock);
    curl_share_setopt(share, CURLSHOPT_UNLOCKFUNC, unlock);
    curl_share_setopt(share, CURLSHOPT_USERDATA, this);
    curl_share_setopt(share, CURLSHOPT_SHARE, CURL_LOCK_DATA_CONNECT);
    curl_share_setopt(share, CURLSHOPT_SHARE, CURL_LOCK_DATA_SSL_SESSION);
    curl_share_setopt(share, CURLSHOPT_SHARE, CURL_LOCK_DATA_DNS);
  }
  ~Shared() { curl_share_cleanup(share); }

  static void lock(CURL *, curl_lock_data data, curl_lock_access, void *self) {
    static_cast<Shared *>(self)->locks[data].lock();
  }
  static void unlock(CURL *, curl_lock_data data, void *self) {
    static_cast<Shared *>(self)->locks[data].unlock();
  }
};

namespace {

std::once_flag g_curl_once;

struct Sink {
  std::string body;
  std::size_t limit;
  bool too_large = false;
};

std::size_t write_body(char *data, std::size_t size, std::size_t n, void *userdata) {
  auto *sink = static_cast<Sink *>(userdata);
  const std::size_t bytes = size * n;
  if (sink->body.size() + bytes > sink->limit) {
    sink->too_large = true;
    return 0;  // makes libcurl stop with CURLE_WRITE_ERROR
  }
  sink->body.append(data, bytes);
  return bytes;
}

CURLcode install_credentials(CURL *, void *ssl_ctx, void *userdata) {
  const auto *credentials = static_cast<const Credentials *>(userdata);
  return credentials->install(static_cast<SSL_CTX *>(ssl_ctx)) ? CURLE_OK : CURLE_SSL_CERTPROBLEM;
}

// `connected`: libcurl finished the connection phase (TCP and TLS: CURLINFO_APPCONNECT_TIME_T
// is not 0), so a timeout is the request timeout, else the one of the two that fired first.
[[noreturn]] void fail_transfer(CURLcode code, const char *detail, const std::string &endpoint,
                                bool connected, long connect_timeout_ms, long request_timeout_ms) {
  const std::string why = std::string(detail[0] ? detail : curl_easy_strerror(code));
  switch (code) {
    case CURLE_OPERATION_TIMEDOUT:
      if (!connected && connect_timeout_ms < request_timeout_ms) {
        throw Error(ECKID_E_TIMEOUT, "could not connect to the Nummervoorziening at " + endpoint +
                                         " within the connect timeout of " +
                                         std::to_string(connect_timeout_ms) +
                                         " ms (connect_timeout_ms); nothing was sent, the "
                                         "request may be retried; check the endpoint and the "
                                         "network (" +
                                         why + ")");
      }
      throw Error(ECKID_E_TIMEOUT,
                  "no answer from the Nummervoorziening at " + endpoint +
                      " within the request timeout of " + std::to_string(request_timeout_ms) +
                      " ms (request_timeout_ms); the request may be retried (" + why + ")");
    case CURLE_COULDNT_RESOLVE_HOST:
    case CURLE_COULDNT_RESOLVE_PROXY:
    case CURLE_COULDNT_CONNECT:
      throw Error(ECKID_E_CONNECT, "cannot reach the Nummervoorziening at " + endpoint + ": " +
                                       why + "; check the endpoint and the network");
    case CURLE_PEER_FAILED_VERIFICATION:
    case CURLE_SSL_CONNECT_ERROR:
    case CURLE_SSL_CERTPROBLEM:
    case CURLE_SSL_CIPHER:
    case CURLE_SSL_CACERT_BADFILE:
    case CURLE_SSL_ISSUER_ERROR:
      throw Error(ECKID_E_TLS, "TLS with " + endpoint + " failed: " + why +
                                   "; check ca_bundle, the endpoint's host name and the client "
                                   "certificate");
    default:
      break;
  }
  // A TLS alert after the handshake (TLS 1.3 reports a refused client certificate late). A
  // plain end of stream is a dropped connection, worth a retry.
  if (why.find("alert") != std::string::npos) {
    throw Error(ECKID_E_TLS, "TLS with " + endpoint + " failed: " + why +
                                 "; the service may not accept the client certificate");
  }
  throw Error(ECKID_E_CONNECT,
              "the connection to " + endpoint + " failed: " + why + "; the request may be retried");
}

}  // namespace

Transport::Transport(const ServiceConfig &service, std::shared_ptr<const Credentials> credentials)
    : endpoint_(service.endpoint),
      ca_bundle_(service.ca_bundle.string()),
      connect_timeout_ms_(service.connect_timeout_ms),
      request_timeout_ms_(service.request_timeout_ms),
      max_response_bytes_(service.max_response_bytes),
      credentials_(std::move(credentials)) {
  std::call_once(g_curl_once, [] { curl_global_init(CURL_GLOBAL_DEFAULT); });
  shared_ = std::make_unique<Shared>();
}

Transport::~Transport() = default;

HttpAnswer Transport::post(std::string_view soap_action, const std::string &body) const {
  std::unique_ptr<CURL, decltype(&curl_easy_cleanup)> curl(curl_easy_init(), curl_easy_cleanup);
  if (!curl) throw Error(ECKID_E_NOMEM, "libcurl: cannot create a request");
  const std::string action_header = "SOAPAction: \"" + std::string(soap_action) + "\"";
  curl_slist *headers = curl_slist_append(nullptr, "Content-Type: text/xml; charset=utf-8");
  headers = curl_slist_append(headers, action_header.c_str());
  headers = curl_slist_append(headers, "Expect:");
  std::unique_ptr<curl_slist, decltype(&curl_slist_free_all)> header_guard(headers,
                                                                           curl_slist_free_all);
  Sink sink{{}, max_response_bytes_};
  char error[CURL_ERROR_SIZE] = "";
  CURL *h = curl.get();
  curl_easy_setopt(h, CURLOPT_URL, endpoint_.c_str());
  curl_easy_setopt(h, CURLOPT_PROTOCOLS_STR, "https");
  curl_easy_setopt(h, CURLOPT_FOLLOWLOCATION, 0L);
  curl_easy_setopt(h, CURLOPT_NOSIGNAL, 1L);
  curl_easy_setopt(h, CURLOPT_SHARE, shared_->share);
  curl_easy_setopt(h, CURLOPT_POST, 1L);
  curl_easy_setopt(h, CURLOPT_POSTFIELDS, body.data());
  curl_easy_setopt(h, CURLOPT_POSTFIELDSIZE_LARGE, static_cast<curl_off_t>(body.size()));
  curl_easy_setopt(h, CURLOPT_HTTPHEADER, headers);
  curl_easy_setopt(h, CURLOPT_WRITEFUNCTION, write_body);
  curl_easy_setopt(h, CURLOPT_WRITEDATA, &sink);
  curl_easy_setopt(h, CURLOPT_MAXFILESIZE_LARGE, static_cast<curl_off_t>(max_response_bytes_));
  curl_easy_setopt(h, CURLOPT_ERRORBUFFER, error);
  curl_easy_setopt(h, CURLOPT_CONNECTTIMEOUT_MS, connect_timeout_ms_);
  curl_easy_setopt(h, CURLOPT_TIMEOUT_MS, request_timeout_ms_);
  // Mutual TLS: always verify the server; present our certificate from memory.
  curl_easy_setopt(h, CURLOPT_SSL_VERIFYPEER, 1L);
  curl_easy_setopt(h, CURLOPT_SSL_VERIFYHOST, 2L);
  // Trust anchors: ca_bundle and nothing else. libcurl adds its build-time CA directory
  // (/etc/ssl/certs on Debian) unless CAPATH is cleared, and the OS store with
  // CURLSSLOPT_NATIVE_CA; neither may widen what the plugin trusts. OpenSSL's defaults
  // (SSL_CERT_FILE, SSL_CERT_DIR) only apply through set_default_verify_paths, which
  // neither libcurl (given a CA file) nor install_credentials calls.
  curl_easy_setopt(h, CURLOPT_CAINFO, ca_bundle_.c_str());
  curl_easy_setopt(h, CURLOPT_CAPATH, static_cast<const char *>(nullptr));
  curl_easy_setopt(h, CURLOPT_SSL_OPTIONS, 0L);
  curl_easy_setopt(h, CURLOPT_SSLVERSION, CURL_SSLVERSION_TLSv1_2);
  curl_easy_setopt(h, CURLOPT_SSL_CTX_FUNCTION, install_credentials);
  curl_easy_setopt(h, CURLOPT_SSL_CTX_DATA, credentials_.get());

  const CURLcode rc = curl_easy_perform(h);
  if (rc == CURLE_FILESIZE_EXCEEDED || (rc == CURLE_WRITE_ERROR && sink.too_large)) {
    throw Error(ECKID_E_RESPONSE_TOO_LARGE,
                "the Nummervoorziening's answer is larger than max_response_bytes (" +
                    std::to_string(max_response_bytes_) + " bytes); refused unread");
  }
  if (rc != CURLE_OK) {
    curl_off_t connected_us = 0;
    curl_easy_getinfo(h, CURLINFO_APPCONNECT_TIME_T, &connected_us);
    fail_transfer(rc, error, endpoint_, connected_us > 0, connect_timeout_ms_, request_timeout_ms_);
  }
  HttpAnswer answer;
  curl_easy_getinfo(h, CURLINFO_RESPONSE_CODE, &answer.status);
  answer.body = std::move(sink.body);
  return answer;
}

}  // namespace eckid::nv
