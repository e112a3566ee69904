/**
 * Linux error numbers and the {@link Errno} error class: include/uapi/asm-generic/errno-base.h (1–34),
 * include/uapi/asm-generic/errno.h (35–133) and the kernel-internal include/linux/errno.h (512–531), with
 * the `strerror()` texts glibc prints.
 *
 * @remarks Hot paths that model int-returning kernel code return `-errno` numbers instead of throwing;
 * their TSDoc says so. Everything user-facing (syscalls, configuration) throws {@link Errno}.
 * @packageDocumentation
 */

/** EPERM (1), include/uapi/asm-generic/errno-base.h: Operation not permitted. */
export const EPERM = 1;
/** ENOENT (2), include/uapi/asm-generic/errno-base.h: No such file or directory. */
export const ENOENT = 2;
/** ESRCH (3), include/uapi/asm-generic/errno-base.h: No such process. */
export const ESRCH = 3;
/** EINTR (4), include/uapi/asm-generic/errno-base.h: Interrupted system call. */
export const EINTR = 4;
/** EIO (5), include/uapi/asm-generic/errno-base.h: I/O error. */
export const EIO = 5;
/** ENXIO (6), include/uapi/asm-generic/errno-base.h: No such device or address. */
export const ENXIO = 6;
/** E2BIG (7), include/uapi/asm-generic/errno-base.h: Argument list too long. */
export const E2BIG = 7;
/** ENOEXEC (8), include/uapi/asm-generic/errno-base.h: Exec format error. */
export const ENOEXEC = 8;
/** EBADF (9), include/uapi/asm-generic/errno-base.h: Bad file number. */
export const EBADF = 9;
/** ECHILD (10), include/uapi/asm-generic/errno-base.h: No child processes. */
export const ECHILD = 10;
/** EAGAIN (11), include/uapi/asm-generic/errno-base.h: Try again. */
export const EAGAIN = 11;
/** ENOMEM (12), include/uapi/asm-generic/errno-base.h: Out of memory. */
export const ENOMEM = 12;
/** EACCES (13), include/uapi/asm-generic/errno-base.h: Permission denied. */
export const EACCES = 13;
/** EFAULT (14), include/uapi/asm-generic/errno-base.h: Bad address. */
export const EFAULT = 14;
/** ENOTBLK (15), include/uapi/asm-generic/errno-base.h: Block device required. */
export const ENOTBLK = 15;
/** EBUSY (16), include/uapi/asm-generic/errno-base.h: Device or resource busy. */
export const EBUSY = 16;
/** EEXIST (17), include/uapi/asm-generic/errno-base.h: File exists. */
export const EEXIST = 17;
/** EXDEV (18), include/uapi/asm-generic/errno-base.h: Cross-device link. */
export const EXDEV = 18;
/** ENODEV (19), include/uapi/asm-generic/errno-base.h: No such device. */
export const ENODEV = 19;
/** ENOTDIR (20), include/uapi/asm-generic/errno-base.h: Not a directory. */
export const ENOTDIR = 20;
/** EISDIR (21), include/uapi/asm-generic/errno-base.h: Is a directory. */
export const EISDIR = 21;
/** EINVAL (22), include/uapi/asm-generic/errno-base.h: Invalid argument. */
export const EINVAL = 22;
/** ENFILE (23), include/uapi/asm-generic/errno-base.h: File table overflow. */
export const ENFILE = 23;
/** EMFILE (24), include/uapi/asm-generic/errno-base.h: Too many open files. */
export const EMFILE = 24;
/** ENOTTY (25), include/uapi/asm-generic/errno-base.h: Not a typewriter. */
export const ENOTTY = 25;
/** ETXTBSY (26), include/uapi/asm-generic/errno-base.h: Text file busy. */
export const ETXTBSY = 26;
/** EFBIG (27), include/uapi/asm-generic/errno-base.h: File too large. */
export const EFBIG = 27;
/** ENOSPC (28), include/uapi/asm-generic/errno-base.h: No space left on device. */
export const ENOSPC = 28;
/** ESPIPE (29), include/uapi/asm-generic/errno-base.h: Illegal seek. */
export const ESPIPE = 29;
/** EROFS (30), include/uapi/asm-generic/errno-base.h: Read-only file system. */
export const EROFS = 30;
/** EMLINK (31), include/uapi/asm-generic/errno-base.h: Too many links. */
export const EMLINK = 31;
/** EPIPE (32), include/uapi/asm-generic/errno-base.h: Broken pipe. */
export const EPIPE = 32;
/** EDOM (33), include/uapi/asm-generic/errno-base.h: Math argument out of domain of func. */
export const EDOM = 33;
/** ERANGE (34), include/uapi/asm-generic/errno-base.h: Math result not representable. */
export const ERANGE = 34;
/** EDEADLK (35), include/uapi/asm-generic/errno.h: Resource deadlock would occur. */
export const EDEADLK = 35;
/** ENAMETOOLONG (36), include/uapi/asm-generic/errno.h: File name too long. */
export const ENAMETOOLONG = 36;
/** ENOLCK (37), include/uapi/asm-generic/errno.h: No record locks available. */
export const ENOLCK = 37;
/** ENOSYS (38), include/uapi/asm-generic/errno.h: Invalid system call number. */
export const ENOSYS = 38;
/** ENOTEMPTY (39), include/uapi/asm-generic/errno.h: Directory not empty. */
export const ENOTEMPTY = 39;
/** ELOOP (40), include/uapi/asm-generic/errno.h: Too many symbolic links encountered. */
export const ELOOP = 40;
/** ENOMSG (42), include/uapi/asm-generic/errno.h: No message of desired type. */
export const ENOMSG = 42;
/** EIDRM (43), include/uapi/asm-generic/errno.h: Identifier removed. */
export const EIDRM = 43;
/** ECHRNG (44), include/uapi/asm-generic/errno.h: Channel number out of range. */
export const ECHRNG = 44;
/** EL2NSYNC (45), include/uapi/asm-generic/errno.h: Level 2 not synchronized. */
export const EL2NSYNC = 45;
/** EL3HLT (46), include/uapi/asm-generic/errno.h: Level 3 halted. */
export const EL3HLT = 46;
/** EL3RST (47), include/uapi/asm-generic/errno.h: Level 3 reset. */
export const EL3RST = 47;
/** ELNRNG (48), include/uapi/asm-generic/errno.h: Link number out of range. */
export const ELNRNG = 48;
/** EUNATCH (49), include/uapi/asm-generic/errno.h: Protocol driver not attached. */
export const EUNATCH = 49;
/** ENOCSI (50), include/uapi/asm-generic/errno.h: No CSI structure available. */
export const ENOCSI = 50;
/** EL2HLT (51), include/uapi/asm-generic/errno.h: Level 2 halted. */
export const EL2HLT = 51;
/** EBADE (52), include/uapi/asm-generic/errno.h: Invalid exchange. */
export const EBADE = 52;
/** EBADR (53), include/uapi/asm-generic/errno.h: Invalid request descriptor. */
export const EBADR = 53;
/** EXFULL (54), include/uapi/asm-generic/errno.h: Exchange full. */
export const EXFULL = 54;
/** ENOANO (55), include/uapi/asm-generic/errno.h: No anode. */
export const ENOANO = 55;
/** EBADRQC (56), include/uapi/asm-generic/errno.h: Invalid request code. */
export const EBADRQC = 56;
/** EBADSLT (57), include/uapi/asm-generic/errno.h: Invalid slot. */
export const EBADSLT = 57;
/** EBFONT (59), include/uapi/asm-generic/errno.h: Bad font file format. */
export const EBFONT = 59;
/** ENOSTR (60), include/uapi/asm-generic/errno.h: Device not a stream. */
export const ENOSTR = 60;
/** ENODATA (61), include/uapi/asm-generic/errno.h: No data available. */
export const ENODATA = 61;
/** ETIME (62), include/uapi/asm-generic/errno.h: Timer expired. */
export const ETIME = 62;
/** ENOSR (63), include/uapi/asm-generic/errno.h: Out of streams resources. */
export const ENOSR = 63;
/** ENONET (64), include/uapi/asm-generic/errno.h: Machine is not on the network. */
export const ENONET = 64;
/** ENOPKG (65), include/uapi/asm-generic/errno.h: Package not installed. */
export const ENOPKG = 65;
/** EREMOTE (66), include/uapi/asm-generic/errno.h: Object is remote. */
export const EREMOTE = 66;
/** ENOLINK (67), include/uapi/asm-generic/errno.h: Link has been severed. */
export const ENOLINK = 67;
/** EADV (68), include/uapi/asm-generic/errno.h: Advertise error. */
export const EADV = 68;
/** ESRMNT (69), include/uapi/asm-generic/errno.h: Srmount error. */
export const ESRMNT = 69;
/** ECOMM (70), include/uapi/asm-generic/errno.h: Communication error on send. */
export const ECOMM = 70;
/** EPROTO (71), include/uapi/asm-generic/errno.h: Protocol error. */
export const EPROTO = 71;
/** EMULTIHOP (72), include/uapi/asm-generic/errno.h: Multihop attempted. */
export const EMULTIHOP = 72;
/** EDOTDOT (73), include/uapi/asm-generic/errno.h: RFS specific error. */
export const EDOTDOT = 73;
/** EBADMSG (74), include/uapi/asm-generic/errno.h: Not a data message. */
export const EBADMSG = 74;
/** EOVERFLOW (75), include/uapi/asm-generic/errno.h: Value too large for defined data type. */
export const EOVERFLOW = 75;
/** ENOTUNIQ (76), include/uapi/asm-generic/errno.h: Name not unique on network. */
export const ENOTUNIQ = 76;
/** EBADFD (77), include/uapi/asm-generic/errno.h: File descriptor in bad state. */
export const EBADFD = 77;
/** EREMCHG (78), include/uapi/asm-generic/errno.h: Remote address changed. */
export const EREMCHG = 78;
/** ELIBACC (79), include/uapi/asm-generic/errno.h: Can not access a needed shared library. */
export const ELIBACC = 79;
/** ELIBBAD (80), include/uapi/asm-generic/errno.h: Accessing a corrupted shared library. */
export const ELIBBAD = 80;
/** ELIBSCN (81), include/uapi/asm-generic/errno.h: .lib section in a.out corrupted. */
export const ELIBSCN = 81;
/** ELIBMAX (82), include/uapi/asm-generic/errno.h: Attempting to link in too many shared libraries. */
export const ELIBMAX = 82;
/** ELIBEXEC (83), include/uapi/asm-generic/errno.h: Cannot exec a shared library directly. */
export const ELIBEXEC = 83;
/** EILSEQ (84), include/uapi/asm-generic/errno.h: Illegal byte sequence. */
export const EILSEQ = 84;
/** ERESTART (85), include/uapi/asm-generic/errno.h: Interrupted system call should be restarted. */
export const ERESTART = 85;
/** ESTRPIPE (86), include/uapi/asm-generic/errno.h: Streams pipe error. */
export const ESTRPIPE = 86;
/** EUSERS (87), include/uapi/asm-generic/errno.h: Too many users. */
export const EUSERS = 87;
/** ENOTSOCK (88), include/uapi/asm-generic/errno.h: Socket operation on non-socket. */
export const ENOTSOCK = 88;
/** EDESTADDRREQ (89), include/uapi/asm-generic/errno.h: Destination address required. */
export const EDESTADDRREQ = 89;
/** EMSGSIZE (90), include/uapi/asm-generic/errno.h: Message too long. */
export const EMSGSIZE = 90;
/** EPROTOTYPE (91), include/uapi/asm-generic/errno.h: Protocol wrong type for socket. */
export const EPROTOTYPE = 91;
/** ENOPROTOOPT (92), include/uapi/asm-generic/errno.h: Protocol not available. */
export const ENOPROTOOPT = 92;
/** EPROTONOSUPPORT (93), include/uapi/asm-generic/errno.h: Protocol not supported. */
export const EPROTONOSUPPORT = 93;
/** ESOCKTNOSUPPORT (94), include/uapi/asm-generic/errno.h: Socket type not supported. */
export const ESOCKTNOSUPPORT = 94;
/** EOPNOTSUPP (95), include/uapi/asm-generic/errno.h: Operation not supported on transport endpoint. */
export const EOPNOTSUPP = 95;
/** EPFNOSUPPORT (96), include/uapi/asm-generic/errno.h: Protocol family not supported. */
export const EPFNOSUPPORT = 96;
/** EAFNOSUPPORT (97), include/uapi/asm-generic/errno.h: Address family not supported by protocol. */
export const EAFNOSUPPORT = 97;
/** EADDRINUSE (98), include/uapi/asm-generic/errno.h: Address already in use. */
export const EADDRINUSE = 98;
/** EADDRNOTAVAIL (99), include/uapi/asm-generic/errno.h: Cannot assign requested address. */
export const EADDRNOTAVAIL = 99;
/** ENETDOWN (100), include/uapi/asm-generic/errno.h: Network is down. */
export const ENETDOWN = 100;
/** ENETUNREACH (101), include/uapi/asm-generic/errno.h: Network is unreachable. */
export const ENETUNREACH = 101;
/** ENETRESET (102), include/uapi/asm-generic/errno.h: Network dropped connection because of reset. */
export const ENETRESET = 102;
/** ECONNABORTED (103), include/uapi/asm-generic/errno.h: Software caused connection abort. */
export const ECONNABORTED = 103;
/** ECONNRESET (104), include/uapi/asm-generic/errno.h: Connection reset by peer. */
export const ECONNRESET = 104;
/** ENOBUFS (105), include/uapi/asm-generic/errno.h: No buffer space available. */
export const ENOBUFS = 105;
/** EISCONN (106), include/uapi/asm-generic/errno.h: Transport endpoint is already connected. */
export const EISCONN = 106;
/** ENOTCONN (107), include/uapi/asm-generic/errno.h: Transport endpoint is not connected. */
export const ENOTCONN = 107;
/** ESHUTDOWN (108), include/uapi/asm-generic/errno.h: Cannot send after transport endpoint shutdown. */
export const ESHUTDOWN = 108;
/** ETOOMANYREFS (109), include/uapi/asm-generic/errno.h: Too many references: cannot splice. */
export const ETOOMANYREFS = 109;
/** ETIMEDOUT (110), include/uapi/asm-generic/errno.h: Connection timed out. */
export const ETIMEDOUT = 110;
/** ECONNREFUSED (111), include/uapi/asm-generic/errno.h: Connection refused. */
export const ECONNREFUSED = 111;
/** EHOSTDOWN (112), include/uapi/asm-generic/errno.h: Host is down. */
export const EHOSTDOWN = 112;
/** EHOSTUNREACH (113), include/uapi/asm-generic/errno.h: No route to host. */
export const EHOSTUNREACH = 113;
/** EALREADY (114), include/uapi/asm-generic/errno.h: Operation already in progress. */
export const EALREADY = 114;
/** EINPROGRESS (115), include/uapi/asm-generic/errno.h: Operation now in progress. */
export const EINPROGRESS = 115;
/** ESTALE (116), include/uapi/asm-generic/errno.h: Stale file handle. */
export const ESTALE = 116;
/** EUCLEAN (117), include/uapi/asm-generic/errno.h: Structure needs cleaning. */
export const EUCLEAN = 117;
/** ENOTNAM (118), include/uapi/asm-generic/errno.h: Not a XENIX named type file. */
export const ENOTNAM = 118;
/** ENAVAIL (119), include/uapi/asm-generic/errno.h: No XENIX semaphores available. */
export const ENAVAIL = 119;
/** EISNAM (120), include/uapi/asm-generic/errno.h: Is a named type file. */
export const EISNAM = 120;
/** EREMOTEIO (121), include/uapi/asm-generic/errno.h: Remote I/O error. */
export const EREMOTEIO = 121;
/** EDQUOT (122), include/uapi/asm-generic/errno.h: Quota exceeded. */
export const EDQUOT = 122;
/** ENOMEDIUM (123), include/uapi/asm-generic/errno.h: No medium found. */
export const ENOMEDIUM = 123;
/** EMEDIUMTYPE (124), include/uapi/asm-generic/errno.h: Wrong medium type. */
export const EMEDIUMTYPE = 124;
/** ECANCELED (125), include/uapi/asm-generic/errno.h: Operation Canceled. */
export const ECANCELED = 125;
/** ENOKEY (126), include/uapi/asm-generic/errno.h: Required key not available. */
export const ENOKEY = 126;
/** EKEYEXPIRED (127), include/uapi/asm-generic/errno.h: Key has expired. */
export const EKEYEXPIRED = 127;
/** EKEYREVOKED (128), include/uapi/asm-generic/errno.h: Key has been revoked. */
export const EKEYREVOKED = 128;
/** EKEYREJECTED (129), include/uapi/asm-generic/errno.h: Key was rejected by service. */
export const EKEYREJECTED = 129;
/** EOWNERDEAD (130), include/uapi/asm-generic/errno.h: Owner died. */
export const EOWNERDEAD = 130;
/** ENOTRECOVERABLE (131), include/uapi/asm-generic/errno.h: State not recoverable. */
export const ENOTRECOVERABLE = 131;
/** ERFKILL (132), include/uapi/asm-generic/errno.h: Operation not possible due to RF-kill. */
export const ERFKILL = 132;
/** EHWPOISON (133), include/uapi/asm-generic/errno.h: Memory page has hardware error. */
export const EHWPOISON = 133;
/** EWOULDBLOCK, include/uapi/asm-generic/errno.h: Operation would block; the same number as {@link EAGAIN}. */
export const EWOULDBLOCK = EAGAIN;
/** EDEADLOCK, include/uapi/asm-generic/errno.h: the same number as {@link EDEADLK}. */
export const EDEADLOCK = EDEADLK;
/** ERESTARTSYS (512), kernel-internal (include/linux/errno.h): Restart the system call (never seen by user space). */
export const ERESTARTSYS = 512;
/** ERESTARTNOINTR (513), kernel-internal (include/linux/errno.h): Restart the system call, even after a signal handler ran. */
export const ERESTARTNOINTR = 513;
/** ERESTARTNOHAND (514), kernel-internal (include/linux/errno.h): Restart the system call if no signal handler ran. */
export const ERESTARTNOHAND = 514;
/** ENOIOCTLCMD (515), kernel-internal (include/linux/errno.h): No ioctl command. */
export const ENOIOCTLCMD = 515;
/** ERESTART_RESTARTBLOCK (516), kernel-internal (include/linux/errno.h): Restart by calling sys_restart_syscall. */
export const ERESTART_RESTARTBLOCK = 516;
/** EPROBE_DEFER (517), kernel-internal (include/linux/errno.h): Driver requests probe retry. */
export const EPROBE_DEFER = 517;
/** EOPENSTALE (518), kernel-internal (include/linux/errno.h): Open found a stale dentry. */
export const EOPENSTALE = 518;
/** ENOPARAM (519), kernel-internal (include/linux/errno.h): Parameter not supported. */
export const ENOPARAM = 519;
/** EBADHANDLE (521), kernel-internal (include/linux/errno.h): Illegal NFS file handle. */
export const EBADHANDLE = 521;
/** ENOTSYNC (522), kernel-internal (include/linux/errno.h): Update synchronization mismatch. */
export const ENOTSYNC = 522;
/** EBADCOOKIE (523), kernel-internal (include/linux/errno.h): Cookie is stale. */
export const EBADCOOKIE = 523;
/** ENOTSUPP (524), kernel-internal (include/linux/errno.h): Operation is not supported. */
export const ENOTSUPP = 524;
/** ETOOSMALL (525), kernel-internal (include/linux/errno.h): Buffer or request is too small. */
export const ETOOSMALL = 525;
/** ESERVERFAULT (526), kernel-internal (include/linux/errno.h): An untranslatable error occurred. */
export const ESERVERFAULT = 526;
/** EBADTYPE (527), kernel-internal (include/linux/errno.h): Type not supported by server. */
export const EBADTYPE = 527;
/** EJUKEBOX (528), kernel-internal (include/linux/errno.h): Request initiated, but will not complete before timeout. */
export const EJUKEBOX = 528;
/** EIOCBQUEUED (529), kernel-internal (include/linux/errno.h): Iocb queued, will get completion event. */
export const EIOCBQUEUED = 529;
/** ERECALLCONFLICT (530), kernel-internal (include/linux/errno.h): Conflict with recalled state. */
export const ERECALLCONFLICT = 530;
/** ENOGRACE (531), kernel-internal (include/linux/errno.h): NFS file lock reclaim refused. */
export const ENOGRACE = 531;

const NAMES: readonly (readonly [number, string])[] = [
  [EPERM, 'EPERM'],
  [ENOENT, 'ENOENT'],
  [ESRCH, 'ESRCH'],
  [EINTR, 'EINTR'],
  [EIO, 'EIO'],
  [ENXIO, 'ENXIO'],
  [E2BIG, 'E2BIG'],
  [ENOEXEC, 'ENOEXEC'],
  [EBADF, 'EBADF'],
  [ECHILD, 'ECHILD'],
  [EAGAIN, 'EAGAIN'],
  [ENOMEM, 'ENOMEM'],
  [EACCES, 'EACCES'],
  [EFAULT, 'EFAULT'],
  [ENOTBLK, 'ENOTBLK'],
  [EBUSY, 'EBUSY'],
  [EEXIST, 'EEXIST'],
  [EXDEV, 'EXDEV'],
  [ENODEV, 'ENODEV'],
  [ENOTDIR, 'ENOTDIR'],
  [EISDIR, 'EISDIR'],
  [EINVAL, 'EINVAL'],
  [ENFILE, 'ENFILE'],
  [EMFILE, 'EMFILE'],
  [ENOTTY, 'ENOTTY'],
  [ETXTBSY, 'ETXTBSY'],
  [EFBIG, 'EFBIG'],
  [ENOSPC, 'ENOSPC'],
  [ESPIPE, 'ESPIPE'],
  [EROFS, 'EROFS'],
  [EMLINK, 'EMLINK'],
  [EPIPE, 'EPIPE'],
  [EDOM, 'EDOM'],
  [ERANGE, 'ERANGE'],
  [EDEADLK, 'EDEADLK'],
  [ENAMETOOLONG, 'ENAMETOOLONG'],
  [ENOLCK, 'ENOLCK'],
  [ENOSYS, 'ENOSYS'],
  [ENOTEMPTY, 'ENOTEMPTY'],
  [ELOOP, 'ELOOP'],
  [ENOMSG, 'ENOMSG'],
  [EIDRM, 'EIDRM'],
  [ECHRNG, 'ECHRNG'],
  [EL2NSYNC, 'EL2NSYNC'],
  [EL3HLT, 'EL3HLT'],
  [EL3RST, 'EL3RST'],
  [ELNRNG, 'ELNRNG'],
  [EUNATCH, 'EUNATCH'],
  [ENOCSI, 'ENOCSI'],
  [EL2HLT, 'EL2HLT'],
  [EBADE, 'EBADE'],
  [EBADR, 'EBADR'],
  [EXFULL, 'EXFULL'],
  [ENOANO, 'ENOANO'],
  [EBADRQC, 'EBADRQC'],
  [EBADSLT, 'EBADSLT'],
  [EBFONT, 'EBFONT'],
  [ENOSTR, 'ENOSTR'],
  [ENODATA, 'ENODATA'],
  [ETIME, 'ETIME'],
  [ENOSR, 'ENOSR'],
  [ENONET, 'ENONET'],
  [ENOPKG, 'ENOPKG'],
  [EREMOTE, 'EREMOTE'],
  [ENOLINK, 'ENOLINK'],
  [EADV, 'EADV'],
  [ESRMNT, 'ESRMNT'],
  [ECOMM, 'ECOMM'],
  [EPROTO, 'EPROTO'],
  [EMULTIHOP, 'EMULTIHOP'],
  [EDOTDOT, 'EDOTDOT'],
  [EBADMSG, 'EBADMSG'],
  [EOVERFLOW, 'EOVERFLOW'],
  [ENOTUNIQ, 'ENOTUNIQ'],
  [EBADFD, 'EBADFD'],
  [EREMCHG, 'EREMCHG'],
  [ELIBACC, 'ELIBACC'],
  [ELIBBAD, 'ELIBBAD'],
  [ELIBSCN, 'ELIBSCN'],
  [ELIBMAX, 'ELIBMAX'],
  [ELIBEXEC, 'ELIBEXEC'],
  [EILSEQ, 'EILSEQ'],
  [ERESTART, 'ERESTART'],
  [ESTRPIPE, 'ESTRPIPE'],
  [EUSERS, 'EUSERS'],
  [ENOTSOCK, 'ENOTSOCK'],
  [EDESTADDRREQ, 'EDESTADDRREQ'],
  [EMSGSIZE, 'EMSGSIZE'],
  [EPROTOTYPE, 'EPROTOTYPE'],
  [ENOPROTOOPT, 'ENOPROTOOPT'],
  [EPROTONOSUPPORT, 'EPROTONOSUPPORT'],
  [ESOCKTNOSUPPORT, 'ESOCKTNOSUPPORT'],
  [EOPNOTSUPP, 'EOPNOTSUPP'],
  [EPFNOSUPPORT, 'EPFNOSUPPORT'],
  [EAFNOSUPPORT, 'EAFNOSUPPORT'],
  [EADDRINUSE, 'EADDRINUSE'],
  [EADDRNOTAVAIL, 'EADDRNOTAVAIL'],
  [ENETDOWN, 'ENETDOWN'],
  [ENETUNREACH, 'ENETUNREACH'],
  [ENETRESET, 'ENETRESET'],
  [ECONNABORTED, 'ECONNABORTED'],
  [ECONNRESET, 'ECONNRESET'],
  [ENOBUFS, 'ENOBUFS'],
  [EISCONN, 'EISCONN'],
  [ENOTCONN, 'ENOTCONN'],
  [ESHUTDOWN, 'ESHUTDOWN'],
  [ETOOMANYREFS, 'ETOOMANYREFS'],
  [ETIMEDOUT, 'ETIMEDOUT'],
  [ECONNREFUSED, 'ECONNREFUSED'],
  [EHOSTDOWN, 'EHOSTDOWN'],
  [EHOSTUNREACH, 'EHOSTUNREACH'],
  [EALREADY, 'EALREADY'],
  [EINPROGRESS, 'EINPROGRESS'],
  [ESTALE, 'ESTALE'],
  [EUCLEAN, 'EUCLEAN'],
  [ENOTNAM, 'ENOTNAM'],
  [ENAVAIL, 'ENAVAIL'],
  [EISNAM, 'EISNAM'],
  [EREMOTEIO, 'EREMOTEIO'],
  [EDQUOT, 'EDQUOT'],
  [ENOMEDIUM, 'ENOMEDIUM'],
  [EMEDIUMTYPE, 'EMEDIUMTYPE'],
  [ECANCELED, 'ECANCELED'],
  [ENOKEY, 'ENOKEY'],
  [EKEYEXPIRED, 'EKEYEXPIRED'],
  [EKEYREVOKED, 'EKEYREVOKED'],
  [EKEYREJECTED, 'EKEYREJECTED'],
  [EOWNERDEAD, 'EOWNERDEAD'],
  [ENOTRECOVERABLE, 'ENOTRECOVERABLE'],
  [ERFKILL, 'ERFKILL'],
  [EHWPOISON, 'EHWPOISON'],
  [ERESTARTSYS, 'ERESTARTSYS'],
  [ERESTARTNOINTR, 'ERESTARTNOINTR'],
  [ERESTARTNOHAND, 'ERESTARTNOHAND'],
  [ENOIOCTLCMD, 'ENOIOCTLCMD'],
  [ERESTART_RESTARTBLOCK, 'ERESTART_RESTARTBLOCK'],
  [EPROBE_DEFER, 'EPROBE_DEFER'],
  [EOPENSTALE, 'EOPENSTALE'],
  [ENOPARAM, 'ENOPARAM'],
  [EBADHANDLE, 'EBADHANDLE'],
  [ENOTSYNC, 'ENOTSYNC'],
  [EBADCOOKIE, 'EBADCOOKIE'],
  [ENOTSUPP, 'ENOTSUPP'],
  [ETOOSMALL, 'ETOOSMALL'],
  [ESERVERFAULT, 'ESERVERFAULT'],
  [EBADTYPE, 'EBADTYPE'],
  [EJUKEBOX, 'EJUKEBOX'],
  [EIOCBQUEUED, 'EIOCBQUEUED'],
  [ERECALLCONFLICT, 'ERECALLCONFLICT'],
  [ENOGRACE, 'ENOGRACE'],
];

/** glibc `strerror()` texts; numbers missing here print as `Unknown error <n>` there too. */
const MESSAGES: ReadonlyMap<number, string> = new Map<number, string>([
  [EPERM, 'Operation not permitted'],
  [ENOENT, 'No such file or directory'],
  [ESRCH, 'No such process'],
  [EINTR, 'Interrupted system call'],
  [EIO, 'Input/output error'],
  [ENXIO, 'No such device or address'],
  [E2BIG, 'Argument list too long'],
  [ENOEXEC, 'Exec format error'],
  [EBADF, 'Bad file descriptor'],
  [ECHILD, 'No child processes'],
  [EAGAIN, 'Resource temporarily unavailable'],
  [ENOMEM, 'Cannot allocate memory'],
  [EACCES, 'Permission denied'],
  [EFAULT, 'Bad address'],
  [ENOTBLK, 'Block device required'],
  [EBUSY, 'Device or resource busy'],
  [EEXIST, 'File exists'],
  [EXDEV, 'Invalid cross-device link'],
  [ENODEV, 'No such device'],
  [ENOTDIR, 'Not a directory'],
  [EISDIR, 'Is a directory'],
  [EINVAL, 'Invalid argument'],
  [ENFILE, 'Too many open files in system'],
  [EMFILE, 'Too many open files'],
  [ENOTTY, 'Inappropriate ioctl for device'],
  [ETXTBSY, 'Text file busy'],
  [EFBIG, 'File too large'],
  [ENOSPC, 'No space left on device'],
  [ESPIPE, 'Illegal seek'],
  [EROFS, 'Read-only file system'],
  [EMLINK, 'Too many links'],
  [EPIPE, 'Broken pipe'],
  [EDOM, 'Numerical argument out of domain'],
  [ERANGE, 'Numerical result out of range'],
  [EDEADLK, 'Resource deadlock avoided'],
  [ENAMETOOLONG, 'File name too long'],
  [ENOLCK, 'No locks available'],
  [ENOSYS, 'Function not implemented'],
  [ENOTEMPTY, 'Directory not empty'],
  [ELOOP, 'Too many levels of symbolic links'],
  [ENOMSG, 'No message of desired type'],
  [EIDRM, 'Identifier removed'],
  [ECHRNG, 'Channel number out of range'],
  [EL2NSYNC, 'Level 2 not synchronized'],
  [EL3HLT, 'Level 3 halted'],
  [EL3RST, 'Level 3 reset'],
  [ELNRNG, 'Link number out of range'],
  [EUNATCH, 'Protocol driver not attached'],
  [ENOCSI, 'No CSI structure available'],
  [EL2HLT, 'Level 2 halted'],
  [EBADE, 'Invalid exchange'],
  [EBADR, 'Invalid request descriptor'],
  [EXFULL, 'Exchange full'],
  [ENOANO, 'No anode'],
  [EBADRQC, 'Invalid request code'],
  [EBADSLT, 'Invalid slot'],
  [EBFONT, 'Bad font file format'],
  [ENOSTR, 'Device not a stream'],
  [ENODATA, 'No data available'],
  [ETIME, 'Timer expired'],
  [ENOSR, 'Out of streams resources'],
  [ENONET, 'Machine is not on the network'],
  [ENOPKG, 'Package not installed'],
  [EREMOTE, 'Object is remote'],
  [ENOLINK, 'Link has been severed'],
  [EADV, 'Advertise error'],
  [ESRMNT, 'Srmount error'],
  [ECOMM, 'Communication error on send'],
  [EPROTO, 'Protocol error'],
  [EMULTIHOP, 'Multihop attempted'],
  [EDOTDOT, 'RFS specific error'],
  [EBADMSG, 'Bad message'],
  [EOVERFLOW, 'Value too large for defined data type'],
  [ENOTUNIQ, 'Name not unique on network'],
  [EBADFD, 'File descriptor in bad state'],
  [EREMCHG, 'Remote address changed'],
  [ELIBACC, 'Can not access a needed shared library'],
  [ELIBBAD, 'Accessing a corrupted shared library'],
  [ELIBSCN, '.lib section in a.out corrupted'],
  [ELIBMAX, 'Attempting to link in too many shared libraries'],
  [ELIBEXEC, 'Cannot exec a shared library directly'],
  [EILSEQ, 'Invalid or incomplete multibyte or wide character'],
  [ERESTART, 'Interrupted system call should be restarted'],
  [ESTRPIPE, 'Streams pipe error'],
  [EUSERS, 'Too many users'],
  [ENOTSOCK, 'Socket operation on non-socket'],
  [EDESTADDRREQ, 'Destination address required'],
  [EMSGSIZE, 'Message too long'],
  [EPROTOTYPE, 'Protocol wrong type for socket'],
  [ENOPROTOOPT, 'Protocol not available'],
  [EPROTONOSUPPORT, 'Protocol not supported'],
  [ESOCKTNOSUPPORT, 'Socket type not supported'],
  [EOPNOTSUPP, 'Operation not supported'],
  [EPFNOSUPPORT, 'Protocol family not supported'],
  [EAFNOSUPPORT, 'Address family not supported by protocol'],
  [EADDRINUSE, 'Address already in use'],
  [EADDRNOTAVAIL, 'Cannot assign requested address'],
  [ENETDOWN, 'Network is down'],
  [ENETUNREACH, 'Network is unreachable'],
  [ENETRESET, 'Network dropped connection on reset'],
  [ECONNABORTED, 'Software caused connection abort'],
  [ECONNRESET, 'Connection reset by peer'],
  [ENOBUFS, 'No buffer space available'],
  [EISCONN, 'Transport endpoint is already connected'],
  [ENOTCONN, 'Transport endpoint is not connected'],
  [ESHUTDOWN, 'Cannot send after transport endpoint shutdown'],
  [ETOOMANYREFS, 'Too many references: cannot splice'],
  [ETIMEDOUT, 'Connection timed out'],
  [ECONNREFUSED, 'Connection refused'],
  [EHOSTDOWN, 'Host is down'],
  [EHOSTUNREACH, 'No route to host'],
  [EALREADY, 'Operation already in progress'],
  [EINPROGRESS, 'Operation now in progress'],
  [ESTALE, 'Stale file handle'],
  [EUCLEAN, 'Structure needs cleaning'],
  [ENOTNAM, 'Not a XENIX named type file'],
  [ENAVAIL, 'No XENIX semaphores available'],
  [EISNAM, 'Is a named type file'],
  [EREMOTEIO, 'Remote I/O error'],
  [EDQUOT, 'Disk quota exceeded'],
  [ENOMEDIUM, 'No medium found'],
  [EMEDIUMTYPE, 'Wrong medium type'],
  [ECANCELED, 'Operation canceled'],
  [ENOKEY, 'Required key not available'],
  [EKEYEXPIRED, 'Key has expired'],
  [EKEYREVOKED, 'Key has been revoked'],
  [EKEYREJECTED, 'Key was rejected by service'],
  [EOWNERDEAD, 'Owner died'],
  [ENOTRECOVERABLE, 'State not recoverable'],
  [ERFKILL, 'Operation not possible due to RF-kill'],
  [EHWPOISON, 'Memory page has hardware error'],
]);

const NAME_OF: ReadonlyMap<number, string> = new Map<number, string>(NAMES);
const NUMBER_OF: ReadonlyMap<string, number> = new Map<string, number>([
  ...NAMES.map(([n, s]) => [s, n] as const),
  ['EWOULDBLOCK', EWOULDBLOCK],
  ['EDEADLOCK', EDEADLOCK],
]);
/**
 * Name of an errno value (`22` → `"EINVAL"`); accepts negative kernel-style returns too.
 * @param errno - a positive or negative errno value
 * @returns the symbolic name (the primary one: `EAGAIN`, not `EWOULDBLOCK`), or `"E?<n>"` for a number
 * this table lacks.
 */
export function errnoName(errno: number): string {
  const n = Math.abs(errno);
  return NAME_OF.get(n) ?? `E?${n}`;
}

/**
 * The `strerror()` text of an errno value, as glibc prints it (fio prints these).
 * @param errno - a positive or negative errno value
 * @returns the message, or `"Unknown error <n>"` (as glibc says for the kernel-internal 512–531 too).
 */
export function strerror(errno: number): string {
  const n = Math.abs(errno);
  return MESSAGES.get(n) ?? `Unknown error ${n}`;
}

/**
 * The errno value of a symbolic name (`"EINVAL"` → 22); aliases such as `EWOULDBLOCK` are accepted.
 * @param name - the name, kernel spelling
 * @returns the number, or `undefined` if the name is unknown.
 */
export function errnoByName(name: string): number | undefined {
  return NUMBER_OF.get(name);
}

/**
 * An error carrying a Linux errno, thrown by syscalls and configuration code of every package.
 *
 * @remarks The message is prefixed by the subsystem that raised it (`"nvme: nsid must be unique"`).
 * `errno` is always positive; {@link Errno.negative} gives the kernel-style return value.
 */
export class Errno extends Error {
  /** Always `"Errno"`. */
  override readonly name = 'Errno';
  /** The positive errno value. */
  readonly errno: number;
  /** The symbolic name (`"EINVAL"`). */
  readonly code: string;

  /**
   * @param errno - positive or negative errno value
   * @param message - what failed, prefixed by subsystem; defaults to strerror()
   */
  constructor(errno: number, message?: string) {
    const n = Math.abs(errno);
    super(`${errnoName(n)}: ${message ?? strerror(n)}`);
    this.errno = n;
    this.code = errnoName(n);
  }

  /** The kernel-style negative return value (`-EINVAL`). */
  get negative(): number {
    return -this.errno;
  }

  /**
   * Tells whether `e` is an {@link Errno} with the given value.
   * @param e - anything caught
   * @param errno - the value, positive or negative
   * @returns true if `e` is an `Errno` carrying `|errno|`.
   */
  static is(e: unknown, errno: number): e is Errno {
    return e instanceof Errno && e.errno === Math.abs(errno);
  }
}

/**
 * Models the kernel's `IS_ERR_VALUE()` (include/linux/err.h) for int returns: a negative number in the
 * errno range.
 * @param ret - a kernel-style return value
 * @returns true for `-4095..-1` (`-MAX_ERRNO..-1`).
 */
export function isErrValue(ret: number): boolean {
  return ret < 0 && ret >= -4095;
}
