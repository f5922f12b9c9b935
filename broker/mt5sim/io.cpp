/*
 * io.cpp - MQL5's sockets, files and clocks for herald-mt5sim.
 *
 * Sockets are POSIX TCP.  Bytes from heraldd are cut into whole frames
 * (only the 4-byte length is read, nothing else of the protocol) so
 * that the transport faults can strike a frame: an ORDER_SEND delivered
 * twice, or half of it followed by a dropped connection; a reply lost
 * after an execution; latency before each frame the EA sends.  TLS is
 * OpenSSL's, without chain verification: the EA's pin is the check, and
 * SocketTlsCertificate's thumbprint is the SHA-256 of the certificate
 * (upper-case hex).
 *
 * Files live in one directory (--files), as MQL5\Files does; names with
 * a '/' or ".." are refused, as the terminal's sandbox does.
 */
#include <sys/socket.h>
#include <sys/stat.h>

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <netdb.h>
#include <poll.h>
#include <stdarg.h>
#include <time.h>
#include <unistd.h>

#include <map>

#include <openssl/ssl.h>
#include <openssl/x509.h>

#include "sim.h"

int	mql_last_error;
uint	mql_rand_state = 1;

/* --- clocks --------------------------------------------------------------- */

static int64_t
clock_ms(clockid_t id)
{
	struct timespec ts;

	clock_gettime(id, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

int64_t sim_now_ms(void) { return clock_ms(CLOCK_REALTIME) + sim_fault.skew_s * 1000; }
datetime TimeCurrent() { return sim_now_ms() / 1000; }
datetime TimeTradeServer() { return sim_now_ms() / 1000; }
datetime TimeLocal() { return sim_now_ms() / 1000; }
ulong GetTickCount64() { return (ulong)clock_ms(CLOCK_MONOTONIC); }

ulong
GetMicrosecondCount()
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (ulong)ts.tv_sec * 1000000 + (ulong)ts.tv_nsec / 1000;
}

void Sleep(int ms) { usleep((useconds_t)(ms > 0 ? ms : 0) * 1000); }

bool EventSetMillisecondTimer(int ms) { sim_timer_ms = ms > 0 ? ms : 1; return true; }
void EventKillTimer() { sim_timer_ms = 0; }

void
sim_log(const char *fmt, ...)
{
	va_list ap;

	fprintf(stderr, "herald-mt5sim: ");
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fprintf(stderr, "\n");
	fflush(stderr);
}

/* --- sockets -------------------------------------------------------------- */

struct sim_socket {
	int		fd = -1;
	SSL		*ssl = NULL;
	std::string	subject, issuer, serial, thumb;
	datetime	expiry = 0;
	std::string	rx;		/* bytes not yet a whole frame */
	std::string	deliver;	/* what SocketRead hands out */
	bool		peer_closed = false;
};

static std::map<int, sim_socket> sockets;
static int next_socket = 1;

static sim_socket *
sock(int h)
{
	auto it = sockets.find(h);

	if (it == sockets.end()) {
		mql_last_error = 5270;		/* ERR_NETSOCKET_INVALIDHANDLE */
		return NULL;
	}
	return &it->second;
}

static void
cut(sim_socket *s)
{
	if (s->ssl != NULL)
		SSL_free(s->ssl);
	s->ssl = NULL;
	if (s->fd != -1)
		close(s->fd);
	s->fd = -1;
	s->peer_closed = true;
	s->rx.clear();
}

/* Frames from rx to deliver, with the transport faults applied. */
static void
frames(sim_socket *s)
{
	while (s->rx.size() >= 4) {
		const uchar *b = (const uchar *)s->rx.data();
		size_t len = ((size_t)b[0] << 24) | ((size_t)b[1] << 16) |
		    ((size_t)b[2] << 8) | b[3];
		if (len < 9 || len > 65536) {	/* the EA's to refuse */
			s->deliver += s->rx;
			s->rx.clear();
			return;
		}
		if (s->rx.size() < 4 + len)
			return;
		std::string f = s->rx.substr(0, 4 + len);
		s->rx.erase(0, 4 + len);
		bool order = f.compare(12, 11, "ORDER_SEND\n") == 0;
		if (order && sim_fault.disconnect > 0) {
			sim_fault.disconnect--;
			sim_log("fault: connection dropped in mid-request");
			s->deliver += f.substr(0, f.size() / 2);
			cut(s);
			return;
		}
		if (order && sim_fault.duplicate > 0) {
			sim_fault.duplicate--;
			sim_log("fault: ORDER_SEND frame delivered twice");
			s->deliver += f;
		}
		s->deliver += f;
	}
}

static void
pull(sim_socket *s)
{
	char buf[16384];
	ssize_t n;

	while (s->fd != -1) {
		if (s->ssl != NULL) {
			int r = SSL_read(s->ssl, buf, sizeof(buf));
			if (r > 0) {
				s->rx.append(buf, (size_t)r);
				continue;
			}
			if (SSL_get_error(s->ssl, r) == SSL_ERROR_WANT_READ)
				break;
		} else {
			n = recv(s->fd, buf, sizeof(buf), MSG_DONTWAIT);
			if (n > 0) {
				s->rx.append(buf, (size_t)n);
				continue;
			}
			if (n == -1 && (errno == EAGAIN || errno == EWOULDBLOCK ||
			    errno == EINTR))
				break;
		}
		frames(s);
		s->deliver += s->rx;		/* a torn last frame */
		cut(s);
		return;
	}
	frames(s);
}

int
SocketCreate(uint flags)
{
	(void)flags;
	sockets[next_socket] = sim_socket();
	return next_socket++;
}

bool
SocketClose(int h)
{
	sim_socket *s = sock(h);

	if (s == NULL)
		return false;
	cut(s);
	sockets.erase(h);
	return true;
}

void
sim_sockets_close(void)
{
	for (auto &it : sockets)
		cut(&it.second);
	sockets.clear();
}

bool
SocketConnect(int h, const string &host, uint port, uint timeout)
{
	sim_socket *s = sock(h);
	struct addrinfo hints, *res = NULL;
	char portstr[16];
	int err = 0;
	socklen_t len = sizeof(err);

	if (s == NULL)
		return false;
	memset(&hints, 0, sizeof(hints));
	hints.ai_socktype = SOCK_STREAM;
	snprintf(portstr, sizeof(portstr), "%u", port);
	if (getaddrinfo(host.s.c_str(), portstr, &hints, &res) != 0 || res == NULL) {
		mql_last_error = 5272;		/* ERR_NETSOCKET_CANNOT_CONNECT */
		return false;
	}
	s->fd = socket(res->ai_family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (s->fd == -1 || (connect(s->fd, res->ai_addr, res->ai_addrlen) == -1 &&
	    errno != EINPROGRESS)) {
		freeaddrinfo(res);
		cut(s);
		s->peer_closed = false;
		mql_last_error = 5272;
		return false;
	}
	freeaddrinfo(res);
	struct pollfd p = { s->fd, POLLOUT, 0 };
	if (poll(&p, 1, (int)timeout) != 1 ||
	    getsockopt(s->fd, SOL_SOCKET, SO_ERROR, &err, &len) == -1 || err != 0) {
		cut(s);
		s->peer_closed = false;
		mql_last_error = 5272;
		return false;
	}
	s->peer_closed = false;
	return true;
}

bool
SocketIsConnected(int h)
{
	sim_socket *s = sock(h);

	return s != NULL && (s->fd != -1 || !s->deliver.empty());
}

uint
SocketIsReadable(int h)
{
	sim_socket *s = sock(h);

	if (s == NULL)
		return 0;
	pull(s);
	return (uint)s->deliver.size();
}

int
SocketRead(int h, MqlArray<uchar> &buf, uint len, uint timeout)
{
	sim_socket *s = sock(h);

	(void)timeout;
	if (s == NULL)
		return -1;
	pull(s);
	size_t n = std::min((size_t)len, s->deliver.size());
	buf.v.assign(s->deliver.begin(), s->deliver.begin() + (long)n);
	s->deliver.erase(0, n);
	return (int)n;
}

/* Both SocketSend and SocketTlsSend: the faults, then every byte. */
static int
send_all(int h, const MqlArray<uchar> &buf, uint len)
{
	sim_socket *s = sock(h);
	size_t off = 0;

	sim_state_flush();	/* no frame tells of what the server lacks */
	if (s == NULL || s->fd == -1) {
		mql_last_error = 5273;		/* ERR_NETSOCKET_IO_ERROR */
		return -1;
	}
	if (sim_fault.latency_ms > 0)
		usleep((useconds_t)sim_fault.latency_ms * 1000);
	if (sim_lose_reply) {
		sim_lose_reply = false;
		sim_log("fault: reply lost, connection dropped");
		cut(s);
		return (int)len;
	}
	while (off < len) {
		ssize_t n;
		bool again;
		if (s->ssl != NULL) {
			int r = SSL_write(s->ssl, buf.v.data() + off, (int)(len - off));
			n = r;
			again = r <= 0 && SSL_get_error(s->ssl, r) == SSL_ERROR_WANT_WRITE;
		} else {
			n = send(s->fd, buf.v.data() + off, len - off, MSG_NOSIGNAL);
			again = n == -1 && (errno == EAGAIN || errno == EINTR);
		}
		if (n > 0) {
			off += (size_t)n;
			continue;
		}
		if (again) {
			struct pollfd p = { s->fd, POLLOUT, 0 };
			poll(&p, 1, 1000);
			continue;
		}
		cut(s);
		mql_last_error = 5273;
		return -1;
	}
	return (int)len;
}

int SocketSend(int h, const MqlArray<uchar> &buf, uint len) { return send_all(h, buf, len); }
int SocketTlsSend(int h, const MqlArray<uchar> &buf, uint len) { return send_all(h, buf, len); }

static std::string
name_of(X509_NAME *n)
{
	char buf[512];

	return X509_NAME_oneline(n, buf, sizeof(buf)) != NULL ? buf : "";
}

/* The handshake blocks, as MQL5's does; the socket stays non-blocking. */
bool
SocketTlsHandshake(int h, const string &host)
{
	static SSL_CTX *ctx;
	sim_socket *s = sock(h);
	unsigned char md[EVP_MAX_MD_SIZE];
	unsigned int mdlen = 0;
	char hex[3];
	X509 *cert;

	if (s == NULL || s->fd == -1)
		return false;
	if (ctx == NULL && (ctx = SSL_CTX_new(TLS_client_method())) == NULL)
		return false;
	int fl = fcntl(s->fd, F_GETFL);
	fcntl(s->fd, F_SETFL, fl & ~O_NONBLOCK);
	s->ssl = SSL_new(ctx);
	SSL_set_fd(s->ssl, s->fd);
	SSL_set_tlsext_host_name(s->ssl, host.s.c_str());
	int ok = SSL_connect(s->ssl);
	fcntl(s->fd, F_SETFL, fl);
	if (ok != 1 || (cert = SSL_get1_peer_certificate(s->ssl)) == NULL) {
		sim_log("TLS handshake with %s failed", host.s.c_str());
		SSL_free(s->ssl);
		s->ssl = NULL;
		mql_last_error = 5274;		/* ERR_NETSOCKET_HANDSHAKE_FAILED */
		return false;
	}
	X509_digest(cert, EVP_sha256(), md, &mdlen);
	s->thumb.clear();
	for (unsigned int i = 0; i < mdlen; i++) {
		snprintf(hex, sizeof(hex), "%02X", md[i]);
		s->thumb += hex;
	}
	s->subject = name_of(X509_get_subject_name(cert));
	s->issuer = name_of(X509_get_issuer_name(cert));
	X509_free(cert);
	return true;
}

bool
SocketTlsCertificate(int h, string &subject, string &issuer, string &serial,
    string &thumb, datetime &expiry)
{
	sim_socket *s = sock(h);

	if (s == NULL || s->ssl == NULL) {
		mql_last_error = 5275;		/* ERR_NETSOCKET_NO_CERTIFICATE */
		return false;
	}
	subject = string(s->subject);
	issuer = string(s->issuer);
	serial = string(s->serial);
	thumb = string(s->thumb);
	expiry = s->expiry;
	return true;
}

int
SocketTlsReadAvailable(int h, MqlArray<uchar> &buf, uint max)
{
	return SocketIsReadable(h) > 0 ? SocketRead(h, buf, max, 0) :
	    (SocketIsConnected(h) ? 0 : -1);
}

/* --- files ---------------------------------------------------------------- */

static std::map<int, FILE *> files;
static int next_file = 1;

int
FileOpen(const string &name, int flags)
{
	const std::string &n = name.s;
	std::string path = sim_files + "/" + n;
	const char *mode;
	FILE *f;

	if (n.empty() || n.find('/') != std::string::npos || n.find("..") != std::string::npos) {
		mql_last_error = 5002;		/* ERR_WRONG_FILENAME */
		return INVALID_HANDLE;
	}
	if ((flags & FILE_READ) && (flags & FILE_WRITE))
		mode = access(path.c_str(), F_OK) == 0 ? "r+" : "w+";
	else
		mode = (flags & FILE_WRITE) ? "w" : "r";
	if ((f = fopen(path.c_str(), mode)) == NULL) {
		mql_last_error = 5004;		/* ERR_CANNOT_OPEN_FILE */
		return INVALID_HANDLE;
	}
	files[next_file] = f;
	return next_file++;
}

static FILE *
file(int h)
{
	auto it = files.find(h);

	return it == files.end() ? NULL : it->second;
}

void
FileClose(int h)
{
	FILE *f = file(h);

	if (f != NULL)
		fclose(f);
	files.erase(h);
}

bool
FileIsEnding(int h)
{
	FILE *f = file(h);
	int c;

	if (f == NULL || (c = fgetc(f)) == EOF)
		return true;
	ungetc(c, f);
	return false;
}

string
FileReadString(int h, int len)
{
	FILE *f = file(h);
	std::string out;
	int c;

	(void)len;
	while (f != NULL && (c = fgetc(f)) != EOF && c != '\n')
		if (c != '\r')
			out += (char)c;
	return string(out);
}

uint
FileWriteString(int h, const string &s, int len)
{
	FILE *f = file(h);

	(void)len;
	if (f == NULL || fwrite(s.s.data(), 1, s.s.size(), f) != s.s.size())
		return 0;
	return (uint)s.s.size();
}

void
FileFlush(int h)
{
	FILE *f = file(h);

	if (f != NULL && fflush(f) == 0)
		fsync(fileno(f));
}

bool
FileSeek(int h, long off, int whence)
{
	FILE *f = file(h);

	return f != NULL && fseek(f, off, whence) == 0;
}

/* The terminal restarted on a fresh machine: MQL5\Files is empty. */
void
sim_files_wipe(void)
{
	DIR *d = opendir(sim_files.c_str());
	struct dirent *e;

	if (d == NULL)
		return;
	while ((e = readdir(d)) != NULL)
		if (e->d_name[0] != '.')
			unlink((sim_files + "/" + e->d_name).c_str());
	closedir(d);
}
