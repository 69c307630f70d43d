# config.jq: turn `runc spec`'s config.json into one the size and shape an
# engine writes for a Kubernetes pod (about 20 KB): the service-link
# environment, the mounts containerd adds, CRI annotations, a default
# seccomp filter, resources. Arguments: --arg rootfs DIR --arg profile NAME.
def services: ["kubernetes", "redis-master", "redis-replica", "frontend",
	"payments-api", "orders-db", "metrics-gateway", "auth-proxy"];
def svc_env($s; $i):
	($s | ascii_upcase | gsub("-"; "_")) as $n
	| "10.96.\($i).\(10 + $i)" as $ip
	| ["\($n)_SERVICE_HOST=\($ip)", "\($n)_SERVICE_PORT=443",
	   "\($n)_SERVICE_PORT_HTTPS=443", "\($n)_PORT=tcp://\($ip):443",
	   "\($n)_PORT_443_TCP=tcp://\($ip):443", "\($n)_PORT_443_TCP_PROTO=tcp",
	   "\($n)_PORT_443_TCP_PORT=443", "\($n)_PORT_443_TCP_ADDR=\($ip)"];
def syscalls: ["accept", "accept4", "access", "adjtimex", "alarm", "bind",
	"brk", "capget", "capset", "chdir", "chmod", "chown", "chown32",
	"clock_adjtime", "clock_adjtime64", "clock_getres", "clock_getres_time64",
	"clock_gettime", "clock_gettime64", "clock_nanosleep",
	"clock_nanosleep_time64", "close", "close_range", "connect",
	"copy_file_range", "creat", "dup", "dup2", "dup3", "epoll_create",
	"epoll_create1", "epoll_ctl", "epoll_ctl_old", "epoll_pwait",
	"epoll_pwait2", "epoll_wait", "epoll_wait_old", "eventfd", "eventfd2",
	"execve", "execveat", "exit", "exit_group", "faccessat", "faccessat2",
	"fadvise64", "fadvise64_64", "fallocate", "fanotify_mark", "fchdir",
	"fchmod", "fchmodat", "fchown", "fchown32", "fchownat", "fcntl",
	"fcntl64", "fdatasync", "fgetxattr", "flistxattr", "flock", "fork",
	"fremovexattr", "fsetxattr", "fstat", "fstat64", "fstatat64", "fstatfs",
	"fstatfs64", "fsync", "ftruncate", "ftruncate64", "futex",
	"futex_time64", "futex_waitv", "futimesat", "getcpu", "getcwd",
	"getdents", "getdents64", "getegid", "getegid32", "geteuid",
	"geteuid32", "getgid", "getgid32", "getgroups", "getgroups32",
	"getitimer", "getpeername", "getpgid", "getpgrp", "getpid", "getppid",
	"getpriority", "getrandom", "getresgid", "getresgid32", "getresuid",
	"getresuid32", "getrlimit", "get_robust_list", "getrusage", "getsid",
	"getsockname", "getsockopt", "get_thread_area", "gettid",
	"gettimeofday", "getuid", "getuid32", "getxattr", "inotify_add_watch",
	"inotify_init", "inotify_init1", "inotify_rm_watch", "io_cancel",
	"ioctl", "io_destroy", "io_getevents", "io_pgetevents",
	"io_pgetevents_time64", "ioprio_get", "ioprio_set", "io_setup",
	"io_submit", "io_uring_enter", "io_uring_register", "io_uring_setup",
	"ipc", "kill", "landlock_add_rule", "landlock_create_ruleset",
	"landlock_restrict_self", "lchown", "lchown32", "lgetxattr", "link",
	"linkat", "listen", "listxattr", "llistxattr", "_llseek",
	"lremovexattr", "lseek", "lsetxattr", "lstat", "lstat64", "madvise",
	"membarrier", "memfd_create", "memfd_secret", "mincore", "mkdir",
	"mkdirat", "mknod", "mknodat", "mlock", "mlock2", "mlockall", "mmap",
	"mmap2", "mprotect", "mq_getsetattr", "mq_notify", "mq_open",
	"mq_timedreceive", "mq_timedreceive_time64", "mq_timedsend",
	"mq_timedsend_time64", "mq_unlink", "mremap", "msgctl", "msgget",
	"msgrcv", "msgsnd", "msync", "munlock", "munlockall", "munmap",
	"name_to_handle_at", "nanosleep", "newfstatat", "_newselect", "open",
	"openat", "openat2", "pause", "pidfd_open", "pidfd_send_signal", "pipe",
	"pipe2", "pkey_alloc", "pkey_free", "pkey_mprotect", "poll", "ppoll",
	"ppoll_time64", "prctl", "pread64", "preadv", "preadv2", "prlimit64",
	"process_mrelease", "pselect6", "pselect6_time64", "pwrite64",
	"pwritev", "pwritev2", "read", "readahead", "readlink", "readlinkat",
	"readv", "recv", "recvfrom", "recvmmsg", "recvmmsg_time64", "recvmsg",
	"remap_file_pages", "removexattr", "rename", "renameat", "renameat2",
	"restart_syscall", "rmdir", "rseq", "rt_sigaction", "rt_sigpending",
	"rt_sigprocmask", "rt_sigqueueinfo", "rt_sigreturn", "rt_sigsuspend",
	"rt_sigtimedwait", "rt_sigtimedwait_time64", "rt_tgsigqueueinfo",
	"sched_getaffinity", "sched_getattr", "sched_getparam",
	"sched_get_priority_max", "sched_get_priority_min",
	"sched_getscheduler", "sched_rr_get_interval",
	"sched_rr_get_interval_time64", "sched_setaffinity", "sched_setattr",
	"sched_setparam", "sched_setscheduler", "sched_yield", "seccomp",
	"select", "semctl", "semget", "semop", "semtimedop",
	"semtimedop_time64", "send", "sendfile", "sendfile64", "sendmmsg",
	"sendmsg", "sendto", "setfsgid", "setfsgid32", "setfsuid",
	"setfsuid32", "setgid", "setgid32", "setgroups", "setgroups32",
	"setitimer", "setpgid", "setpriority", "setregid", "setregid32",
	"setresgid", "setresgid32", "setresuid", "setresuid32", "setreuid",
	"setreuid32", "setrlimit", "set_robust_list", "setsid", "setsockopt",
	"set_thread_area", "set_tid_address", "setuid", "setuid32",
	"setxattr", "shmat", "shmctl", "shmdt", "shmget", "shutdown",
	"sigaltstack", "signalfd", "signalfd4", "sigprocmask", "sigreturn",
	"socketcall", "socketpair", "splice", "stat", "stat64", "statfs",
	"statfs64", "statx", "symlink", "symlinkat", "sync", "sync_file_range",
	"syncfs", "sysinfo", "tee", "tgkill", "time", "timer_create",
	"timer_delete", "timer_getoverrun", "timer_gettime",
	"timer_gettime64", "timer_settime", "timer_settime64",
	"timerfd_create", "timerfd_gettime", "timerfd_gettime64",
	"timerfd_settime", "timerfd_settime64", "times", "tkill", "truncate",
	"truncate64", "ugetrlimit", "umask", "uname", "unlink", "unlinkat",
	"utime", "utimensat", "utimensat_time64", "utimes", "vfork",
	"vmsplice", "wait4", "waitid", "waitpid", "write", "writev"];
def bind($dst; $src; $ro):
	{destination: $dst, type: "bind", source: $src,
	 options: (["rbind", "rprivate"] + (if $ro then ["ro"] else ["rw"] end))};
def pod: "/var/lib/kubelet/pods/5f0c6b0e-8a4e-4c39-9a59-2b8f3cf1d7a2";
def sandbox: "8b7f4c1e2d9a6b3c5e0f1a2b3c4d5e6f7a8b9c0d1e2f3a4b5c6d7e8f9a0b1c2d";

.process.terminal = false
| .process.args = ["/bin/sh", "-c", "sleep 1000"]
| .process.apparmorProfile = $profile
| .process.env = (["PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin",
	"HOSTNAME=payments-api-7d9c5b6f4-x2kqz", "LANG=C.UTF-8",
	"JAVA_TOOL_OPTIONS=-XX:MaxRAMPercentage=75 -XX:+ExitOnOutOfMemoryError",
	"OTEL_EXPORTER_OTLP_ENDPOINT=http://otel-collector.observability.svc:4317",
	"OTEL_RESOURCE_ATTRIBUTES=service.name=payments-api,service.namespace=shop,deployment.environment=production",
	"LOG_LEVEL=info", "LOG_FORMAT=json", "GOMAXPROCS=2", "TZ=UTC"]
	+ [services as $s | range(0; $s | length) as $i | svc_env($s[$i]; $i)[]])
| .root = {path: $rootfs, readonly: true}
| .hostname = "payments-api-7d9c5b6f4-x2kqz"
| .mounts += [
	bind("/etc/hosts"; pod + "/etc-hosts"; false),
	bind("/dev/termination-log"; pod + "/containers/app/3c1f7e2a"; false),
	bind("/etc/hostname"; "/var/lib/containerd/io.containerd.grpc.v1.cri/sandboxes/" + sandbox + "/hostname"; true),
	bind("/etc/resolv.conf"; "/var/lib/containerd/io.containerd.grpc.v1.cri/sandboxes/" + sandbox + "/resolv.conf"; true),
	bind("/dev/shm"; "/run/containerd/io.containerd.grpc.v1.cri/sandboxes/" + sandbox + "/shm"; false),
	bind("/var/run/secrets/kubernetes.io/serviceaccount"; pod + "/volumes/kubernetes.io~projected/kube-api-access-9xk2p"; true),
	bind("/etc/payments/config"; pod + "/volumes/kubernetes.io~configmap/payments-config"; true),
	bind("/etc/payments/tls"; pod + "/volumes/kubernetes.io~secret/payments-tls"; true),
	bind("/var/cache/payments"; pod + "/volumes/kubernetes.io~empty-dir/cache"; false)]
| .annotations = {
	"io.kubernetes.cri.container-type": "container",
	"io.kubernetes.cri.container-name": "app",
	"io.kubernetes.cri.image-name": "registry.example.com/shop/payments-api:2.14.3",
	"io.kubernetes.cri.sandbox-id": sandbox,
	"io.kubernetes.cri.sandbox-name": "payments-api-7d9c5b6f4-x2kqz",
	"io.kubernetes.cri.sandbox-namespace": "shop",
	"io.kubernetes.cri.sandbox-uid": "5f0c6b0e-8a4e-4c39-9a59-2b8f3cf1d7a2",
	"io.kubernetes.pod.terminationGracePeriod": "30",
	"io.kubernetes.container.restartCount": "0",
	"io.kubernetes.container.terminationMessagePath": "/dev/termination-log",
	"io.kubernetes.container.terminationMessagePolicy": "File",
	"prometheus.io/scrape": "true", "prometheus.io/port": "9102",
	"kubectl.kubernetes.io/default-container": "app",
	"container.apparmor.security.beta.kubernetes.io/app": ("localhost/" + $profile)}
| .linux.cgroupsPath = "kubepods-burstable-pod5f0c6b0e.slice:cri-containerd:3c1f7e2a"
| .linux.resources.cpu = {shares: 512, quota: 100000, period: 100000}
| .linux.resources.memory = {limit: 536870912, swap: 536870912}
| .linux.resources.pids = {limit: 4096}
| .linux.sysctl = {"net.ipv4.ip_unprivileged_port_start": "0", "net.ipv4.ping_group_range": "0 2147483647"}
| .linux.seccomp = {defaultAction: "SCMP_ACT_ERRNO", defaultErrnoRet: 1,
	architectures: ["SCMP_ARCH_X86_64", "SCMP_ARCH_X86", "SCMP_ARCH_X32"],
	syscalls: [
		{names: syscalls, action: "SCMP_ACT_ALLOW"},
		{names: ["personality"], action: "SCMP_ACT_ALLOW",
		 args: [{index: 0, value: 0, op: "SCMP_CMP_EQ"}]},
		{names: ["personality"], action: "SCMP_ACT_ALLOW",
		 args: [{index: 0, value: 8, op: "SCMP_CMP_EQ"}]},
		{names: ["arch_prctl", "modify_ldt"], action: "SCMP_ACT_ALLOW"},
		{names: ["clone"], action: "SCMP_ACT_ALLOW",
		 args: [{index: 0, value: 2114060288, op: "SCMP_CMP_MASKED_EQ"}]},
		{names: ["clone3"], action: "SCMP_ACT_ERRNO", errnoRet: 38},
		{names: ["socket"], action: "SCMP_ACT_ALLOW",
		 args: [{index: 0, value: 40, op: "SCMP_CMP_NE"}]}]}
