/*
 * The IPC decoding path as the monitor and the children run it: frame
 * check, catalogue check for each possible sender, then the typed
 * decoder of the message type.
 */
#include <stddef.h>
#include <stdint.h>

#include "ipc.h"
#include "msg.h"

int	LLVMFuzzerTestOneInput(const uint8_t *, size_t);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct msg_init		 in;
	static struct msg_listener	 l;
	static struct msg_log		 lg;
	static struct msg_net_config	 nc;
	static struct msg_sign_req	 sq;
	static struct msg_sign_res	 ss;
	static struct msg_api_req	 aq;
	static struct msg_api_res	 as;
	static struct msg_ban		 bn;
	const uint8_t			*blob;
	size_t				 bloblen;
	struct ipc_msg			 m;
	const char			*why;
	uint8_t				 u8;
	int				 from, fd;

	/* The first byte says whether a descriptor came with it. */
	if (size < 1)
		return 0;
	fd = (data[0] & 1) ? 1000 : -1;
	if (ipc_decode(data + 1, size - 1, fd, MSG_MAX, &m, &why) == -1)
		return 0;
	for (from = 0; from < PROC_MAX; from++) {
		if (msg_check(from, &m, &why) == -1)
			continue;
		switch (m.hdr.type) {
		case MSG_INIT:
			(void)msg_init_decode(&m, &in, &why);
			break;
		case MSG_LISTENER:
			(void)msg_listener_decode(&m, &l, &why);
			break;
		case MSG_LOG:
			(void)msg_log_decode(&m, &lg, &why);
			break;
		case MSG_LOG_LEVEL:
			(void)msg_u8_decode(&m, &u8, &why);
			break;
		case MSG_TLS_CERT:
		case MSG_TLS_CA:
			(void)msg_blob_decode(&m, &blob, &bloblen, &why);
			break;
		case MSG_NET_CONFIG:
			(void)msg_net_config_decode(&m, &nc, &why);
			break;
		case MSG_SIGN_REQ:
			(void)msg_sign_req_decode(&m, &sq, &why);
			break;
		case MSG_SIGN_RES:
			(void)msg_sign_res_decode(&m, &ss, &why);
			break;
		case MSG_API_REQ:
			(void)msg_api_req_decode(&m, &aq, &why);
			break;
		case MSG_API_RES:
			(void)msg_api_res_decode(&m, &as, &why);
			break;
		case MSG_BAN:
			(void)msg_ban_decode(&m, &bn, &why);
			break;
		}
	}
	return 0;
}
