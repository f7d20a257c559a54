/*
 * lx_sigframe.c — i386 signal frames of the Linux personality.
 *
 * Owns: the layout of struct sigframe and struct rt_sigframe as an i386
 * Linux kernel builds them (arch/x86/kernel/signal_32.c): struct sigcontext,
 * ucontext, the retcode trampolines, the FPU area (an fsave-format
 * _fpstate header with magic X86_FXSR_MAGIC followed by the 512-byte
 * FXSAVE image, 64-byte aligned below the frame); placing a frame (alternate
 * stack, alignment ((sp + 4) & -16) - 4), the register state a handler
 * starts with, and sigreturn/rt_sigreturn, which restore all of it.
 */
#include <signal.h>
#include <string.h>

#include "monitor/user/lx_int.h"
#include "translator/fault.h"

struct lx_sigcontext {
	uint16_t gs, gsh, fs, fsh, es, esh, ds, dsh;
	uint32_t edi, esi, ebp, esp, ebx, edx, ecx, eax;
	uint32_t trapno, err, eip;
	uint16_t cs, csh;
	uint32_t eflags, esp_at_signal;
	uint16_t ss, ssh;
	uint32_t fpstate, oldmask, cr2;
};

struct lx_ucontext {
	uint32_t flags, link;
	uint32_t ss_sp, ss_flags, ss_size;
	struct lx_sigcontext mc;
	uint32_t sigmask[2];
};

struct lx_rt_sigframe {
	uint32_t pretcode, sig, pinfo, puc;
	struct lx_siginfo32 info;
	struct lx_ucontext uc;
	uint8_t retcode[8];
};

struct lx_sigframe {
	uint32_t pretcode, sig;
	struct lx_sigcontext sc;
	uint8_t fpstate_unused[624];
	uint32_t extramask;
	uint8_t retcode[8];
};

/* struct _fpstate_32: fsave environment and registers, status, magic,
 * then (at 112) the FXSAVE image. */
struct lx_fpstate {
	uint32_t cw, sw, tag, ipoff, cssel, dataoff, datasel;
	uint8_t st[8][10];
	uint16_t status, magic;
	uint8_t fx[512];
};

_Static_assert(sizeof(struct lx_sigcontext) == 88, "i386 sigcontext");
_Static_assert(sizeof(struct lx_ucontext) == 116, "i386 ucontext");
_Static_assert(sizeof(struct lx_rt_sigframe) == 268, "i386 rt_sigframe");
_Static_assert(sizeof(struct lx_sigframe) == 732, "i386 sigframe");
_Static_assert(offsetof(struct lx_fpstate, fx) == 112, "fxsave area after fregs_state");
_Static_assert(sizeof(struct lx_fpstate) == 624, "i386 _fpstate");

#define LX_FXSR_MAGIC 0x0000
#define LX_FIX_EFLAGS (GF_AC | GF_OF | GF_DF | GF_TF | GF_SF | GF_ZF | GF_AF | GF_PF | GF_CF | 0x10000u)
#define LX_MINSIGSTKSZ 2048
#define LX_SS_FLAG_BITS LX_SS_AUTODISARM

/* --- FPU state: FXSAVE image <-> fsave environment --- */

static uint16_t lx_fx16(const uint8_t *fx, int off)
{
	uint16_t v;
	memcpy(&v, fx + off, 2);
	return v;
}

static uint32_t lx_fx32(const uint8_t *fx, int off)
{
	uint32_t v;
	memcpy(&v, fx + off, 4);
	return v;
}

/* Full x87 tag of physical register I from the abridged FXSAVE tag. */
static unsigned lx_full_tag(const uint8_t *fx, int i)
{
	unsigned top = (lx_fx16(fx, 2) >> 11) & 7;
	if (!(fx[4] & (1u << i)))
		return 3; /* empty */
	const uint8_t *st = fx + 32 + 16 * ((i - top) & 7);
	uint64_t mant;
	memcpy(&mant, st, 8);
	unsigned exp = lx_fx16(st, 8) & 0x7fff;
	if (exp == 0x7fff)
		return 2;
	if (exp == 0)
		return mant ? 2 : 1;
	return (mant >> 63) ? 0 : 2;
}

static void lx_fx_to_fsave(const uint8_t *fx, struct lx_fpstate *fp)
{
	uint32_t tag = 0;
	for (int i = 0; i < 8; i++)
		tag |= lx_full_tag(fx, i) << (2 * i);
	fp->cw = lx_fx16(fx, 0) | 0xffff0000u;
	fp->sw = lx_fx16(fx, 2) | 0xffff0000u;
	fp->tag = tag | 0xffff0000u;
	fp->ipoff = lx_fx32(fx, 8);
	fp->cssel = lx_fx16(fx, 12) | ((uint32_t)lx_fx16(fx, 6) << 16);
	fp->dataoff = lx_fx32(fx, 16);
	fp->datasel = lx_fx16(fx, 20) | 0xffff0000u;
	for (int i = 0; i < 8; i++)
		memcpy(fp->st[i], fx + 32 + 16 * i, 10);
	fp->status = lx_fx16(fx, 2);
	fp->magic = LX_FXSR_MAGIC;
	memcpy(fp->fx, fx, 512);
	memset(fp->fx + 464, 0, 48); /* no extended state (FP_XSTATE_MAGIC1 absent) */
}

static void lx_fsave_to_fx(const struct lx_fpstate *fp, uint8_t *fx)
{
	uint16_t v16;
	uint8_t abridged = 0;
	for (int i = 0; i < 8; i++)
		if (((fp->tag >> (2 * i)) & 3) != 3)
			abridged |= (uint8_t)(1u << i);
	v16 = (uint16_t)fp->cw;
	memcpy(fx + 0, &v16, 2);
	v16 = (uint16_t)fp->sw;
	memcpy(fx + 2, &v16, 2);
	fx[4] = abridged;
	v16 = (uint16_t)(fp->cssel >> 16);
	memcpy(fx + 6, &v16, 2);
	memcpy(fx + 8, &fp->ipoff, 4);
	v16 = (uint16_t)fp->cssel;
	memcpy(fx + 12, &v16, 2);
	memcpy(fx + 16, &fp->dataoff, 4);
	v16 = (uint16_t)fp->datasel;
	memcpy(fx + 20, &v16, 2);
	for (int i = 0; i < 8; i++) {
		memset(fx + 32 + 16 * i, 0, 16);
		memcpy(fx + 32 + 16 * i, fp->st[i], 10);
	}
}

/* The FPU state a handler starts with (fninit, default MXCSR). */
static void lx_fx_init(uint8_t *fx)
{
	uint16_t cw = 0x37f;
	uint32_t mxcsr = 0x1f80;
	memset(fx, 0, 512);
	memcpy(fx, &cw, 2);
	memcpy(fx + 24, &mxcsr, 4);
}

/* --- alternate stack --- */

static bool lx_on_altstack(const struct lx_thread *t, uint32_t sp)
{
	if (t->ss_flags & LX_SS_AUTODISARM)
		return false;
	return sp > t->ss_sp && sp - t->ss_sp <= t->ss_size;
}

uint32_t lx_altstack_flags(const struct lx_thread *t, uint32_t sp)
{
	if (!t->ss_size)
		return SS_DISABLE;
	return (lx_on_altstack(t, sp) ? SS_ONSTACK : 0) | (t->ss_flags & LX_SS_FLAG_BITS);
}

int lx_set_altstack(struct lx_thread *t, uint32_t sp, uint32_t flags, uint32_t size, uint32_t cur)
{
	uint32_t mode = flags & ~(uint32_t)LX_SS_FLAG_BITS;
	if (lx_on_altstack(t, cur))
		return -EPERM;
	if (mode != SS_DISABLE && mode != SS_ONSTACK && mode != 0)
		return -EINVAL;
	if (mode == SS_DISABLE) {
		sp = 0;
		size = 0;
	} else if (size < LX_MINSIGSTKSZ) {
		return -ENOMEM;
	}
	t->ss_sp = sp;
	t->ss_size = size;
	t->ss_flags = flags & LX_SS_FLAG_BITS;
	return 0;
}

/* --- building a frame --- */

static void lx_fill_sigcontext(const struct lx_thread *t, struct lx_sigcontext *sc, uint32_t fp,
			       const struct lx_trap *trap, uint64_t mask)
{
	const struct gcpu *c = t->cpu;
	memset(sc, 0, sizeof *sc);
	sc->gs = c->seg[GS_GS];
	sc->fs = c->seg[GS_FS];
	sc->es = c->seg[GS_ES];
	sc->ds = c->seg[GS_DS];
	sc->edi = c->regs[GR_EDI];
	sc->esi = c->regs[GR_ESI];
	sc->ebp = c->regs[GR_EBP];
	sc->esp = c->regs[GR_ESP];
	sc->ebx = c->regs[GR_EBX];
	sc->edx = c->regs[GR_EDX];
	sc->ecx = c->regs[GR_ECX];
	sc->eax = c->regs[GR_EAX];
	sc->trapno = trap->trapno;
	sc->err = trap->err;
	sc->eip = c->eip;
	sc->cs = c->seg[GS_CS];
	sc->eflags = c->eflags;
	sc->esp_at_signal = c->regs[GR_ESP];
	sc->ss = c->seg[GS_SS];
	sc->fpstate = fp;
	sc->oldmask = (uint32_t)mask;
	sc->cr2 = trap->cr2;
}

static const uint8_t lx_retcode[8] = {0x58, 0xb8, 119, 0, 0, 0, 0xcd, 0x80};
static const uint8_t lx_rt_retcode[8] = {0xb8, 173, 0, 0, 0, 0xcd, 0x80, 0};

/* Where the frame of FRAME_SIZE bytes and the FPU area go; 0 or -EFAULT. */
static int lx_frame_place(struct lx_thread *t, const struct lx_sigaction *act, uint32_t size,
			  uint32_t *frame, uint32_t *fp)
{
	uint32_t sp = t->cpu->regs[GR_ESP];
	bool alt = false;
	if ((act->flags & SA_ONSTACK) && t->ss_size && !lx_on_altstack(t, sp)) {
		sp = t->ss_sp + t->ss_size;
		alt = true;
	}
	*fp = ((sp - 512) & ~63u) - 112;
	*frame = ((*fp - size + 4) & ~15u) - 4;
	if (alt && *frame < t->ss_sp)
		return -EFAULT; /* the alternate stack overflowed */
	return 0;
}

/* The guest state a handler starts in. */
static void lx_enter_handler(struct lx_thread *t, int sig, const struct lx_sigaction *act,
			     uint32_t frame, uint32_t edx, uint32_t ecx)
{
	struct gcpu *c = t->cpu;
	c->regs[GR_ESP] = frame;
	c->regs[GR_EAX] = (uint32_t)sig;
	c->regs[GR_EDX] = edx;
	c->regs[GR_ECX] = ecx;
	c->eip = act->handler;
	c->eflags &= ~(GF_DF | GF_TF | 0x10000u);
	c->seg[GS_DS] = c->seg[GS_ES] = c->seg[GS_SS] = LX_USER_DS;
	c->seg[GS_CS] = LX_USER_CS;
	c->seg_base[GS_DS] = c->seg_base[GS_ES] = c->seg_base[GS_SS] = c->seg_base[GS_CS] = 0;
	lx_fx_init(c->fx);
	if ((act->flags & SA_ONSTACK) && (t->ss_flags & LX_SS_AUTODISARM)) {
		t->ss_sp = t->ss_size = 0;
		t->ss_flags = 0;
	}
}

static int lx_rt_frame(struct lx_thread *t, int sig, const struct lx_sigaction *act,
		       const siginfo_t *info, const struct lx_trap *trap, uint64_t mask)
{
	struct lx_rt_sigframe f;
	struct lx_fpstate fps;
	uint32_t frame, fp, sp = t->cpu->regs[GR_ESP];
	if (lx_frame_place(t, act, sizeof f, &frame, &fp))
		return -EFAULT;
	memset(&f, 0, sizeof f);
	f.pretcode = (act->flags & LX_SA_RESTORER) ? act->restorer
						: frame + offsetof(struct lx_rt_sigframe, retcode);
	f.sig = (uint32_t)sig;
	f.pinfo = frame + offsetof(struct lx_rt_sigframe, info);
	f.puc = frame + offsetof(struct lx_rt_sigframe, uc);
	lx_siginfo_to32(info, &f.info);
	f.uc.ss_sp = t->ss_sp;
	f.uc.ss_flags = lx_altstack_flags(t, sp);
	f.uc.ss_size = t->ss_size;
	lx_fill_sigcontext(t, &f.uc.mc, fp, trap, mask);
	f.uc.sigmask[0] = (uint32_t)mask;
	f.uc.sigmask[1] = (uint32_t)(mask >> 32);
	memcpy(f.retcode, lx_rt_retcode, 8);
	lx_fx_to_fsave(t->cpu->fx, &fps);
	if (lx_put(t, fp, &fps, sizeof fps) || lx_put(t, frame, &f, sizeof f))
		return -EFAULT;
	lx_enter_handler(t, sig, act, frame, f.pinfo, f.puc);
	return 0;
}

static int lx_plain_frame(struct lx_thread *t, int sig, const struct lx_sigaction *act,
			  const struct lx_trap *trap, uint64_t mask)
{
	struct lx_sigframe f;
	struct lx_fpstate fps;
	uint32_t frame, fp;
	if (lx_frame_place(t, act, sizeof f, &frame, &fp))
		return -EFAULT;
	memset(&f, 0, sizeof f);
	f.pretcode = (act->flags & LX_SA_RESTORER) ? act->restorer
						: frame + offsetof(struct lx_sigframe, retcode);
	f.sig = (uint32_t)sig;
	lx_fill_sigcontext(t, &f.sc, fp, trap, mask);
	f.extramask = (uint32_t)(mask >> 32);
	memcpy(f.retcode, lx_retcode, 8);
	lx_fx_to_fsave(t->cpu->fx, &fps);
	if (lx_put(t, fp, &fps, sizeof fps) || lx_put(t, frame, &f, sizeof f))
		return -EFAULT;
	lx_enter_handler(t, sig, act, frame, 0, 0);
	return 0;
}

int lx_setup_frame(struct lx_thread *t, int sig, const struct lx_sigaction *act,
		   const siginfo_t *info, const struct lx_trap *trap, uint64_t oldmask)
{
	tr_fx_sync(t->cpu); /* the frame saves the whole x87/SSE state */
	if (act->flags & SA_SIGINFO)
		return lx_rt_frame(t, sig, act, info, trap, oldmask);
	return lx_plain_frame(t, sig, act, trap, oldmask);
}

/* --- sigreturn --- */

static int lx_restore_seg(struct lx_thread *t, struct gcpu *c, int seg, uint16_t sel)
{
	uint32_t base;
	if (lx_segment_base(t, sel, &base) < 0)
		return -EINVAL;
	c->seg[seg] = sel;
	c->seg_base[seg] = base;
	return 0;
}

static int lx_restore_fpu(struct lx_thread *t, uint32_t addr, uint8_t *fx)
{
	struct lx_fpstate fps;
	uint32_t mxcsr;
	if (!addr) {
		lx_fx_init(fx);
		return 0;
	}
	if (lx_get(t, &fps, addr, sizeof fps))
		return -EFAULT;
	if (fps.magic != 0xffff) {
		memcpy(fx, fps.fx, 512);
		mxcsr = lx_fx32(fx, 24) & 0xffff;
		memcpy(fx + 24, &mxcsr, 4);
	}
	lx_fsave_to_fx(&fps, fx);
	return 0;
}

/* Guest state from SC into a copy of the CPU, committed only if valid. */
static int lx_restore_sigcontext(struct lx_thread *t, const struct lx_sigcontext *sc)
{
	tr_fx_sync(t->cpu); /* the image is replaced whole below */
	struct gcpu c = *t->cpu;
	if ((sc->cs | 3) != LX_USER_CS || (sc->ss | 3) != LX_USER_DS)
		return -EINVAL;
	if (lx_restore_seg(t, &c, GS_GS, sc->gs) || lx_restore_seg(t, &c, GS_FS, sc->fs) ||
	    lx_restore_seg(t, &c, GS_ES, sc->es) || lx_restore_seg(t, &c, GS_DS, sc->ds) ||
	    lx_restore_seg(t, &c, GS_CS, sc->cs | 3) || lx_restore_seg(t, &c, GS_SS, sc->ss | 3))
		return -EINVAL;
	c.regs[GR_EDI] = sc->edi;
	c.regs[GR_ESI] = sc->esi;
	c.regs[GR_EBP] = sc->ebp;
	c.regs[GR_ESP] = sc->esp;
	c.regs[GR_EBX] = sc->ebx;
	c.regs[GR_EDX] = sc->edx;
	c.regs[GR_ECX] = sc->ecx;
	c.regs[GR_EAX] = sc->eax;
	c.eip = sc->eip;
	c.eflags = (c.eflags & ~LX_FIX_EFLAGS) | (sc->eflags & LX_FIX_EFLAGS);
	if (lx_restore_fpu(t, sc->fpstate, c.fx))
		return -EFAULT;
	*t->cpu = c;
	return 0;
}

static long lx_bad_frame(struct lx_thread *t)
{
	lx_fault_trap(t, SIGSEGV, SI_KERNEL, 0, 13, 0);
	return 0;
}

long lx_sys_sigreturn(struct lx_thread *t, const uint32_t *a)
{
	struct lx_sigframe f;
	uint32_t frame = t->cpu->regs[GR_ESP] - 8;
	(void)a;
	if (lx_get(t, &f, frame, sizeof f))
		return lx_bad_frame(t);
	lx_set_sigmask(t, f.sc.oldmask | (uint64_t)f.extramask << 32);
	if (lx_restore_sigcontext(t, &f.sc))
		return lx_bad_frame(t);
	return 0;
}

long lx_sys_rt_sigreturn(struct lx_thread *t, const uint32_t *a)
{
	struct lx_rt_sigframe f;
	uint32_t frame = t->cpu->regs[GR_ESP] - 4;
	(void)a;
	if (lx_get(t, &f, frame, sizeof f))
		return lx_bad_frame(t);
	lx_set_sigmask(t, f.uc.sigmask[0] | (uint64_t)f.uc.sigmask[1] << 32);
	if (lx_restore_sigcontext(t, &f.uc.mc))
		return lx_bad_frame(t);
	lx_set_altstack(t, f.uc.ss_sp, f.uc.ss_flags, f.uc.ss_size, t->cpu->regs[GR_ESP]);
	return 0;
}
