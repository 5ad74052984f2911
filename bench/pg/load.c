/* A small HTTP/1.1 load driver for bench/pg/run.sh (wrk is not installed here): CONNS
 * keep-alive connections, one request in flight on each, spread round-robin over the ports
 * given (several replicas behind a load balancer), for DUR seconds, one thread (epoll).
 * A POST body may hold `{n}`, replaced by a number unique to the request (unique names).
 * Prints one JSON line: requests, rps, p50_us, p99_us, errors, non2xx.
 *   load -c CONNS -d DUR [-X POST -b BODY] [-t TOKEN] PATH PORT [PORT...] */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#define NBUCKET 1000000 /* latency histogram: 10 µs buckets up to 10 s */

typedef struct {
	int fd, port;
	char *out;
	size_t out_len, out_off;
	char in[65536];
	size_t in_len;
	double t0;
} conn;

static const char *method = "GET", *path_, *body_tpl, *token;
static long long counter, requests, errors, non2xx;
static unsigned *hist;

static double now_us(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec * 1e6 + (double)ts.tv_nsec / 1e3;
}

static void build(conn *c)
{
	char body[8192] = "";
	if (body_tpl) {
		const char *p = body_tpl;
		size_t n = 0;
		long long id = counter++;
		while (*p && n < sizeof(body) - 32) {
			if (strncmp(p, "{n}", 3) == 0) {
				n += (size_t)snprintf(body + n, sizeof(body) - n, "%d_%lld", getpid(), id);
				p += 3;
			} else {
				body[n++] = *p++;
			}
		}
		body[n] = '\0';
	}
	free(c->out);
	int len = asprintf(&c->out,
			   "%s %s HTTP/1.1\r\nHost: 127.0.0.1:%d\r\nAuthorization: Bearer %s\r\n"
			   "Content-Type: application/json\r\nContent-Length: %zu\r\n\r\n%s",
			   method, path_, c->port, token ? token : "", strlen(body), body);
	if (len < 0)
		abort();
	c->out_len = (size_t)len;
	c->out_off = 0;
	c->in_len = 0;
	c->t0 = now_us();
}

static int open_conn(conn *c, int ep)
{
	c->fd = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK, 0);
	int one = 1;
	setsockopt(c->fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
	struct sockaddr_in a = {.sin_family = AF_INET, .sin_port = htons((uint16_t)c->port)};
	a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	if (connect(c->fd, (struct sockaddr *)&a, sizeof a) != 0 && errno != EINPROGRESS)
		return -1;
	struct epoll_event ev = {.events = EPOLLIN | EPOLLOUT, .data.ptr = c};
	epoll_ctl(ep, EPOLL_CTL_ADD, c->fd, &ev);
	build(c);
	return 0;
}

/* A whole response in c->in: its length, or 0 (incomplete), -1 (unreadable). */
static long response_len(conn *c, int *status)
{
	c->in[c->in_len < sizeof c->in ? c->in_len : sizeof c->in - 1] = '\0';
	char *end = strstr(c->in, "\r\n\r\n");
	if (end == NULL)
		return c->in_len >= sizeof c->in - 1 ? -1 : 0;
	if (sscanf(c->in, "HTTP/1.%*d %d", status) != 1)
		return -1;
	char *cl = strcasestr(c->in, "\r\ncontent-length:");
	if (cl == NULL || cl > end)
		return -1; /* chunked answers are not read */
	long total = (end + 4 - c->in) + strtol(cl + 17, NULL, 10);
	if (total >= (long)sizeof c->in)
		return -1;
	return (long)c->in_len >= total ? total : 0;
}

int main(int argc, char **argv)
{
	int nconn = 32, dur = 10, opt;
	while ((opt = getopt(argc, argv, "c:d:X:b:t:")) != -1) {
		switch (opt) {
		case 'c': nconn = atoi(optarg); break;
		case 'd': dur = atoi(optarg); break;
		case 'X': method = optarg; break;
		case 'b': body_tpl = optarg; break;
		case 't': token = optarg; break;
		default: return 2;
		}
	}
	if (argc - optind < 2) {
		fprintf(stderr, "usage: load -c CONNS -d DUR [-X POST -b BODY] [-t TOKEN] PATH PORT [PORT...]\n");
		return 2;
	}
	path_ = argv[optind];
	int nports = argc - optind - 1;
	hist = calloc(NBUCKET, sizeof *hist);
	conn *cs = calloc((size_t)nconn, sizeof *cs);
	int ep = epoll_create1(0);
	for (int i = 0; i < nconn; i++) {
		cs[i].port = atoi(argv[optind + 1 + i % nports]);
		if (open_conn(&cs[i], ep) != 0) {
			perror("connect");
			return 1;
		}
	}
	double start = now_us(), stop = start + dur * 1e6;
	struct epoll_event evs[256];
	while (now_us() < stop) {
		int n = epoll_wait(ep, evs, 256, 100);
		for (int k = 0; k < n; k++) {
			conn *c = evs[k].data.ptr;
			if (c->out_off < c->out_len && (evs[k].events & EPOLLOUT)) {
				ssize_t w = write(c->fd, c->out + c->out_off, c->out_len - c->out_off);
				if (w > 0)
					c->out_off += (size_t)w;
				if (c->out_off == c->out_len) {
					struct epoll_event ev = {.events = EPOLLIN, .data.ptr = c};
					epoll_ctl(ep, EPOLL_CTL_MOD, c->fd, &ev);
				}
			}
			if (!(evs[k].events & (EPOLLIN | EPOLLHUP | EPOLLERR)))
				continue;
			ssize_t r = read(c->fd, c->in + c->in_len, sizeof c->in - 1 - c->in_len);
			int status = 0;
			long len = r > 0 ? (c->in_len += (size_t)r, response_len(c, &status)) : -1;
			if (r < 0 && errno == EAGAIN)
				continue;
			if (len == 0)
				continue;
			if (len < 0) { /* closed or unreadable: counted, and a new connection */
				errors++;
				epoll_ctl(ep, EPOLL_CTL_DEL, c->fd, NULL);
				close(c->fd);
				open_conn(c, ep);
				continue;
			}
			double us = now_us() - c->t0;
			long b = (long)(us / 10);
			hist[b < NBUCKET ? b : NBUCKET - 1]++;
			requests++;
			if (status < 200 || status > 299)
				non2xx++;
			build(c);
			struct epoll_event ev = {.events = EPOLLIN | EPOLLOUT, .data.ptr = c};
			epoll_ctl(ep, EPOLL_CTL_MOD, c->fd, &ev);
		}
	}
	double secs = (now_us() - start) / 1e6;
	long long seen = 0, p50 = -1, p99 = -1;
	for (long b = 0; b < NBUCKET; b++) {
		seen += hist[b];
		if (p50 < 0 && seen * 2 >= requests)
			p50 = b * 10;
		if (p99 < 0 && seen * 100 >= requests * 99)
			p99 = b * 10;
	}
	printf("{\"requests\": %lld, \"rps\": %.1f, \"p50_us\": %lld, \"p99_us\": %lld, \"errors\": %lld, "
	       "\"non2xx\": %lld}\n",
	       requests, requests / secs, p50, p99, errors, non2xx);
	return 0;
}
