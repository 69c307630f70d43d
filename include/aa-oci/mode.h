/* SPDX-License-Identifier: GPL-2.0-or-later */
#pragma once

/* A profile's mode, as asked for (aa-oci.mode) and as the kernel reports it. */
enum aa_oci_mode {
	AA_OCI_MODE_ENFORCE,
	AA_OCI_MODE_COMPLAIN,
	AA_OCI_MODE_OTHER, /* kernel only: kill, unconfined, user, ... */
};

/* mode_name - "enforce", "complain" or "other". */
const char *mode_name(enum aa_oci_mode m);
